package cleanup

import (
	"strings"

	"github.com/x-platform/x-platform/internal/retention"
)

// repository is the registry repository of an image name below registry,
// as references to it are written: "<registry>/<name>".
func repository(registry, name string) string {
	if registry == "" {
		return name
	}
	return registry + "/" + name
}

// refIn turns an image reference into a retention.Ref when it names a
// repository below registry; digest, when set, overrides the reference's.
func refIn(registry, ref, digest string) (retention.Ref, bool) {
	rest := ref
	if registry != "" {
		var ok bool
		if rest, ok = strings.CutPrefix(ref, registry+"/"); !ok {
			return retention.Ref{}, false
		}
	}
	out := retention.Ref{Digest: digest}
	if name, d, ok := strings.Cut(rest, "@"); ok {
		rest = name
		if out.Digest == "" {
			out.Digest = d
		}
	}
	if i := strings.LastIndex(rest, ":"); i >= 0 && !strings.Contains(rest[i:], "/") {
		rest, out.Tag = rest[:i], rest[i+1:]
	}
	out.Repository = rest
	return out, rest != ""
}
