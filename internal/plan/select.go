package plan

import (
	"fmt"
	"strings"

	"github.com/x-platform/x-platform/internal/manifest"
)

// UnknownServiceError names services the manifest does not have.
type UnknownServiceError struct {
	Unknown []string
	Valid   []string
}

func (e *UnknownServiceError) Error() string {
	return fmt.Sprintf("unknown service %s (valid: %s)", strings.Join(e.Unknown, ", "), strings.Join(e.Valid, ", "))
}

// UsageError says the mistake is in the command line (exit code 2).
func (*UnknownServiceError) UsageError() bool { return true }

// Select returns the named services in manifest order, or all of them when
// names is empty. Names may repeat and may be comma-separated lists.
func Select(m *manifest.Manifest, names []string) ([]*manifest.Service, error) {
	want := map[string]bool{}
	var unknown []string
	for _, n := range names {
		for _, name := range strings.Split(n, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if m.Service(name) == nil {
				unknown = append(unknown, name)
			}
			want[name] = true
		}
	}
	if len(unknown) > 0 {
		return nil, &UnknownServiceError{Unknown: unknown, Valid: m.Names()}
	}
	var out []*manifest.Service
	for _, s := range m.Services {
		if len(want) == 0 || want[s.Name] {
			out = append(out, s)
		}
	}
	return out, nil
}
