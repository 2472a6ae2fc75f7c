package retention

import (
	"path"
	"slices"
	"strings"
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
		repoPart, digest, isDigest := strings.Cut(e, "@")
		if isDigest {
			refs = append(refs, keepRef{entry: e, Repository: repoPart, Digest: digest})
			continue
		}
		if i := strings.LastIndex(e, ":"); i > 0 && !strings.Contains(e[i:], "/") {
			refs = append(refs, keepRef{entry: e, Repository: e[:i], Tag: e[i+1:]})
			continue
		}
		patterns = append(patterns, e)
	}
	return patterns, refs
}
