package report

import (
	"fmt"
	"io"
)

// Version is what version prints.
type Version struct {
	Version string `json:"version"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
}

// WriteVersionLine prints the version as one line.
func WriteVersionLine(w io.Writer, v Version) error {
	_, err := fmt.Fprintf(w, "x-platform %s %s %s/%s\n", v.Version, v.Go, v.OS, v.Arch)
	return err
}
