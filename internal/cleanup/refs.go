package cleanup

import (
	"strings"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/retention"
)

// repository is the registry repository of an image name below registry,
// as references to it are written: "<registry>/<name>".
func repository(registry, name string) image.Ref {
	return image.NewRef(registry, name, "")
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
	r := image.Cut(rest)
	out := retention.Ref{Repository: r.Repository(), Tag: r.Tag(), Digest: digest}
	if out.Digest == "" {
		out.Digest = r.Digest()
	}
	return out, out.Repository != ""
}
