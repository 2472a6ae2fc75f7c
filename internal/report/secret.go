package report

import (
	"fmt"
	"io"
	"strings"
)

// Secret is what a secret command did to its file.
type Secret struct {
	File       string   `json:"file"`
	Action     string   `json:"action"` // encrypted, re-encrypted or unchanged
	Recipients []string `json:"recipients,omitempty"`
}

// WriteSecretLine prints what was done to the file as one line.
func WriteSecretLine(w io.Writer, r Secret) error {
	line := r.File + ": " + r.Action
	if len(r.Recipients) > 0 {
		line += " for " + strings.Join(r.Recipients, ", ")
	}
	_, err := fmt.Fprintln(w, line)
	return err
}
