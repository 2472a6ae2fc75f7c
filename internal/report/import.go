package report

import (
	"fmt"
	"io"
	"path/filepath"
)

// ImportReport is import skaffold's --output json document.
type ImportReport struct {
	Command      string              `json:"command"`
	Files        []string            `json:"files"`
	Services     []ImportService     `json:"services"`
	Environments []ImportEnvironment `json:"environments"`
	// Unconverted lists what has no equivalent, Notes what x-platform
	// does its own way; each with its file and line.
	Unconverted []ImportItem `json:"unconverted"`
	Notes       []ImportItem `json:"notes"`
}

// ImportService is a service made of a Skaffold artifact.
type ImportService struct {
	Name      string `json:"name"`
	Image     string `json:"image"`
	Remote    string `json:"remote"`
	Reference string `json:"reference"`
	Path      string `json:"path,omitempty"`
	// From is the artifact's image as Skaffold names it.
	From       string   `json:"skaffoldImage"`
	Dockerfile string   `json:"dockerfile,omitempty"`
	Target     string   `json:"target,omitempty"`
	Platforms  []string `json:"platforms,omitempty"`
}

// ImportEnvironment is an overlay made of configs' manifests or a profile's.
type ImportEnvironment struct {
	Name string `json:"name"`
	// Profile is the Skaffold profile it comes from; "" for the configs'
	// own manifests.
	Profile string `json:"profile,omitempty"`
}

// ImportItem is a part of a Skaffold config, where it is and why it was
// not converted or is done another way.
type ImportItem struct {
	File string `json:"file"`
	Line int    `json:"line"`
	What string `json:"what"`
	Why  string `json:"why"`
}

// WriteImportFiles prints, for people, the files an import wrote below
// root: one path a line.
func WriteImportFiles(w io.Writer, root string, r ImportReport) error {
	for _, f := range r.Files {
		if _, err := fmt.Fprintln(w, filepath.Join(root, f)); err != nil {
			return err
		}
	}
	return nil
}
