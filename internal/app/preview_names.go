package app

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/x-platform/x-platform/internal/atomicfile"
	"github.com/x-platform/x-platform/internal/manifest"
)

// previewNamesFile keeps the names of the previews this machine last saw
// (preview list, deploy --preview, preview delete and gc), one a line, so
// that a Tab after `preview delete` offers them without asking the cluster.
func previewNamesFile(root string) string {
	return filepath.Join(root, ".x-platform", "previews")
}

// rememberPreviews updates the names completion offers: list replaces
// them all when it is not nil, then add are added and drop removed. It is
// a cache of what a command saw: a failure to write it is not the
// command's, and is not reported.
func rememberPreviews(m *manifest.Manifest, list, add, drop []string) {
	file := previewNamesFile(m.Root)
	names := list
	if names == nil {
		names = readPreviewNames(file)
	}
	names = slices.DeleteFunc(append(slices.Clone(names), add...), func(n string) bool { return n == "" || slices.Contains(drop, n) })
	slices.Sort(names)
	names = slices.Compact(names)
	var data []byte
	if len(names) > 0 {
		data = []byte(strings.Join(names, "\n") + "\n")
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return
	}
	_ = atomicfile.Write(file, data, 0o644)
}

func readPreviewNames(file string) []string {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
}
