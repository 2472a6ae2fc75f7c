package retention

import (
	"path"
	"slices"
	"strings"

	"github.com/x-platform/x-platform/internal/image"
)

// keepRef is a keep-list entry naming a repository's tag (or tag pattern)
// or digest.
type keepRef struct {
	entry                   string
	Repository, Tag, Digest string
}

func (k keepRef) matches(img Image) bool {
	if k.Digest != "" {
		return img.Digest == k.Digest
	}
	return slices.ContainsFunc(img.Tags, func(t string) bool {
		ok, _ := path.Match(k.Tag, t)
		return ok
	})
}

// splitKeep tells tag patterns ("release-*") from references
// ("zbackend:v1-hotfix", "zbackend@sha256:…").
func splitKeep(entries []string) (patterns []string, refs []keepRef) {
	for _, e := range entries {
		ref := image.Cut(e)
		if strings.Contains(e, "@") {
			refs = append(refs, keepRef{entry: e, Repository: ref.Repository(), Digest: ref.Digest()})
			continue
		}
		if ref.Repository() != "" && ref.Repository() != e {
			refs = append(refs, keepRef{entry: e, Repository: ref.Repository(), Tag: ref.Tag()})
			continue
		}
		patterns = append(patterns, e)
	}
	return patterns, refs
}
