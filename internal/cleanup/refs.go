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
func refIn(registry string, ref image.Ref, digest string) (retention.Ref, bool) {
	repo := ref.Repository()
	if registry != "" {
		var ok bool
		if repo, ok = strings.CutPrefix(repo, registry+"/"); !ok {
			return retention.Ref{}, false
		}
	}
	out := retention.Ref{Repository: repo, Tag: ref.Tag(), Digest: digest}
	if out.Digest == "" {
		out.Digest = ref.Digest()
	}
	return out, out.Repository != ""
}
