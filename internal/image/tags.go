package image

import (
	"regexp"
	"strings"
)

// The tags x-platform writes besides a commit's SHA and a branch's name.
// Build writes them and cleanup recognises them, so both read them here.
const (
	// KeyTagPrefix starts the tag that finds an image by its cache key,
	// so another commit with the same inputs can take it.
	KeyTagPrefix = "key-"
	// LocalTagPrefix starts the tag of an image built from a working
	// folder as it is; such an image is never a commit's nor a key's.
	LocalTagPrefix = "dirty-"
	// CacheTag is the tag of BuildKit's registry cache in each repository.
	CacheTag = "buildcache"
)

// commitTag is the tag of a commit's image: its full SHA.
var commitTag = regexp.MustCompile(`^[0-9a-f]{40}$`)

// KeyTag is the tag of the image whose inputs have the cache key key.
func KeyTag(key string) string { return KeyTagPrefix + key }

// LocalTag is the tag of the image built from a folder whose content hash
// is hash.
func LocalTag(hash string) string { return LocalTagPrefix + hash[:min(16, len(hash))] }

// IsCommitTag says whether t has the shape of a commit's tag.
func IsCommitTag(t string) bool { return commitTag.MatchString(t) }

// IsLocalTag says whether t is the tag of an image built from a folder.
func IsLocalTag(t string) bool { return strings.HasPrefix(t, LocalTagPrefix) }

// Written says whether builds write tags of t's shape whatever a
// service's remote holds: a commit's, a key's, a folder's or the cache's.
// Branch and git tag names depend on the remote, so they are not among them.
func Written(t string) bool {
	return IsCommitTag(t) || t == CacheTag || strings.HasPrefix(t, KeyTagPrefix) || IsLocalTag(t)
}

// Tags are the tags one build leaves in its service's repository.
type Tags struct {
	// Commit is the commit's full SHA, the tag deploys pin.
	Commit string
	// Key is the cache key's tag.
	Key string
	// Branch is the branch or git tag name the commit was reached by, as
	// a tag; "" when a SHA pinned it or no usable character is left.
	Branch string
}

// NewTags are the tags of the image of commit with cache key key, reached
// by the branch or git tag refName; byCommit says a SHA named it.
func NewTags(commit, key, refName string, byCommit bool) Tags {
	t := Tags{Commit: commit, Key: KeyTag(key)}
	if !byCommit {
		t.Branch = BranchTag(refName)
	}
	return t
}

// Cache is the tag of the repository's BuildKit cache, which every build
// of the service shares.
func (t Tags) Cache() string { return CacheTag }

// Image is every tag the image itself carries: the commit's, the key's
// and the branch's when there is one, in that order.
func (t Tags) Image() []string {
	out := []string{t.Commit, t.Key}
	if t.Branch != "" {
		out = append(out, t.Branch)
	}
	return out
}
