package manifest

import (
	"fmt"
	"sort"
	"strings"
)

// ErrNotFound is returned by Find when no manifest exists in the start
// folder or any of its parents.
var ErrNotFound error = notFoundError{}

type notFoundError struct{}

func (notFoundError) Error() string { return "manifest not found" }

// UsageError says the mistake is the caller's to fix (exit code 2).
func (notFoundError) UsageError() bool { return true }

// Error is one problem in a manifest, located at the key or value that
// causes it.
type Error struct {
	// File is the manifest path as the caller gave it.
	File string
	// Line and Col are 1-based.
	Line, Col int
	// Key is the dotted key path (services.zbackend.git.reference); empty
	// for problems not tied to a key, such as YAML syntax errors.
	Key string
	Msg string
}

func (e *Error) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", e.File, e.Line, e.Col, e.Key, e.Msg)
}

// UsageError says the mistake is in the manifest (exit code 2).
func (*Error) UsageError() bool { return true }

// Errors holds every problem found in one manifest, sorted by position.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// UsageError says the mistakes are in the manifest (exit code 2).
func (Errors) UsageError() bool { return true }

// sortByPosition orders problems as they appear in the file; problems at
// the same place keep the order they were found in.
func (es Errors) sortByPosition() {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Line != es[j].Line {
			return es[i].Line < es[j].Line
		}
		return es[i].Col < es[j].Col
	})
}
