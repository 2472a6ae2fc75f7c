package buildkit

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	gateway "github.com/moby/buildkit/frontend/gateway/client"
)

// copyReports copies the declared reports out of the scripts' result into
// ReportsTo, keeping their paths; a report the scripts did not write is
// skipped.
func (s *Spec) copyReports(ctx context.Context, ref gateway.Reference, root string) ([]string, error) {
	var out []string
	for _, rel := range s.Reports {
		p := path.Join(root, s.Dir, rel)
		st, err := ref.StatFile(ctx, gateway.StatRequest{Path: p})
		if err != nil {
			continue
		}
		got, err := s.copyReport(ctx, ref, p, os.FileMode(st.Mode).IsDir())
		if err != nil {
			return out, fmt.Errorf("copying report %s: %w", rel, err)
		}
		out = append(out, got...)
	}
	return out, nil
}

func (s *Spec) copyReport(ctx context.Context, ref gateway.Reference, p string, dir bool) ([]string, error) {
	if !dir {
		data, err := ref.ReadFile(ctx, gateway.ReadRequest{Filename: p})
		if err != nil {
			return nil, err
		}
		dst := filepath.Join(s.ReportsTo, filepath.FromSlash(strings.TrimPrefix(p, treeRoot+"/")))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		return []string{dst}, os.WriteFile(dst, data, 0o644)
	}
	entries, err := ref.ReadDir(ctx, gateway.ReadDirRequest{Path: p})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		got, err := s.copyReport(ctx, ref, path.Join(p, e.Path), os.FileMode(e.Mode).IsDir())
		if err != nil {
			return out, err
		}
		out = append(out, got...)
	}
	return out, nil
}
