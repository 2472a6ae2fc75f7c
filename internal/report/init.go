package report

import (
	"fmt"
	"io"
	"path/filepath"
)

// Init is what init wrote: the files, and a service per repository.
type Init struct {
	Command  string        `json:"command"`
	Files    []string      `json:"files"`
	Services []InitService `json:"services"`
}

// InitService is a service init made from a repository.
type InitService struct {
	Name       string `json:"name"`
	Remote     string `json:"remote"`
	Reference  string `json:"reference"`
	Dockerfile bool   `json:"dockerfile"`
	Kubernetes bool   `json:"kubernetes"`
}

// WriteInitFiles prints the path of each file written, in root.
func WriteInitFiles(w io.Writer, root string, r Init) error {
	for _, f := range r.Files {
		if _, err := fmt.Fprintln(w, filepath.Join(root, f)); err != nil {
			return err
		}
	}
	return nil
}
