package image

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Ref is an image reference as it was written: a repository
// ("[registry/]path"), with a tag, a digest or both. It keeps the spelling
// it was given, so a name without a registry stays one rather than
// becoming Docker Hub's, and printing it shows what the user wrote.
type Ref struct {
	repo, tag, digest string
}

// Cut reads a reference by its shape alone, without checking it, for
// strings that need not be valid references (a keep entry's tag pattern,
// an image a cluster runs) and for those this program wrote itself. A
// colon counts as a tag's only after the last '/', so a registry's port
// stays in the repository.
func Cut(s string) Ref {
	var r Ref
	r.repo, r.digest, _ = strings.Cut(s, "@")
	if i := strings.LastIndex(r.repo, ":"); i > strings.LastIndex(r.repo, "/") {
		r.repo, r.tag = r.repo[:i], r.repo[i+1:]
	}
	return r
}

// Parse reads a reference, checking each part as the registry API does.
func Parse(s string) (Ref, error) {
	r := Cut(s)
	repo, tag, digest := r.repo, r.tag, r.digest
	if r.String() != s {
		return Ref{}, fmt.Errorf("parsing image reference %q: an empty tag or digest", s)
	}
	_, err := name.NewRepository(repo)
	if err == nil && tag != "" {
		_, err = name.NewTag(repo + ":" + tag)
	}
	if err == nil && digest != "" {
		_, err = name.NewDigest(repo + "@" + digest)
	}
	if err != nil {
		return Ref{}, fmt.Errorf("parsing image reference %q: %w", s, err)
	}
	return r, nil
}

// Repo is the reference to a repository with neither tag nor digest.
func Repo(repository string) Ref { return Ref{repo: repository} }

// NewRef joins a registry host (none for the engine's default registry),
// a repository path and a tag.
func NewRef(registry, path, tag string) Ref {
	if registry != "" {
		path = registry + "/" + path
	}
	return Ref{repo: path, tag: tag}
}

// Repository is the reference without tag or digest, registry included.
func (r Ref) Repository() string { return r.repo }

// Registry is the registry host (with its port) the reference names, ""
// when it names none and the engine's default applies.
func (r Ref) Registry() string { return hostOf(r.repo) }

// Path is the repository below the registry.
func (r Ref) Path() string {
	if h := r.Registry(); h != "" {
		return r.repo[len(h)+1:]
	}
	return r.repo
}

// Tag is the reference's tag, "" when it has none.
func (r Ref) Tag() string { return r.tag }

// Digest is the reference's digest ("sha256:…"), "" when it has none.
func (r Ref) Digest() string { return r.digest }

// WithTag is the same repository's image under tag; any digest is dropped,
// as the tag may point elsewhere.
func (r Ref) WithTag(tag string) Ref { return Ref{repo: r.repo, tag: tag} }

// WithDigest pins the same repository's image by digest; the tag is
// dropped, so the reference names the content alone.
func (r Ref) WithDigest(digest string) Ref { return Ref{repo: r.repo, digest: digest} }

// IsZero says whether the reference is empty.
func (r Ref) IsZero() bool { return r == Ref{} }

// String writes the reference as "repo[:tag][@digest]".
func (r Ref) String() string {
	s := r.repo
	if r.tag != "" {
		s += ":" + r.tag
	}
	if r.digest != "" {
		s += "@" + r.digest
	}
	return s
}

// Name is the reference for go-containerregistry's calls.
func (r Ref) Name(opts ...name.Option) (name.Reference, error) {
	s := r.String()
	if r.tag == "" && r.digest == "" {
		s += ":" + name.DefaultTag
	}
	ref, err := name.ParseReference(s, opts...)
	if err != nil {
		return nil, fmt.Errorf("parsing image reference %q: %w", r, err)
	}
	return ref, nil
}

// MarshalText writes the reference as String does, so records and
// documents hold it as the text it was.
func (r Ref) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a reference by its shape, as Cut does: a record
// written by any version of this program reads back whatever its
// spelling.
func (r *Ref) UnmarshalText(b []byte) error {
	*r = Cut(string(b))
	return nil
}
