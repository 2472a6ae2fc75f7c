package manifest

import (
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/x-platform/x-platform/internal/image"
)

// Cleanup holds the retention rules of `x-platform cleanup`; every number
// is at least 1, the defaults when the section leaves it out.
type Cleanup struct {
	// ReleasesPerEnvironment keeps the images of each environment's last N
	// release records (and the deployed one, however old).
	ReleasesPerEnvironment int
	// LockCommits keeps the images x-platform.lock pins in the last N
	// commits of each branch and tag of the platform repository.
	LockCommits int
	// BranchDays keeps images of the branches whose head moved within N days.
	BranchDays int
	// ImagesPerBranch is how many images of each such branch are kept.
	ImagesPerBranch int
	// RecentHours keeps anything built less than N hours ago.
	RecentHours int
	// Keep lists image references (repository:tag, repository@digest) and
	// tag patterns ("release-*") kept whatever the rules say.
	Keep []string
}

// DefaultCleanup is what a manifest without a cleanup: section gets.
var DefaultCleanup = Cleanup{ReleasesPerEnvironment: 10, LockCommits: 20, BranchDays: 30, ImagesPerBranch: 3, RecentHours: 2}

func (d *decoder) cleanup(top *object) Cleanup {
	c := DefaultCleanup
	o := d.child(top, "cleanup", false, cleanupKeys.names()...)
	if o == nil {
		return c
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{
		{"releasesPerEnvironment", &c.ReleasesPerEnvironment},
		{"lockCommits", &c.LockCommits},
		{"branchDays", &c.BranchDays},
		{"imagesPerBranch", &c.ImagesPerBranch},
		{"recentHours", &c.RecentHours},
	} {
		if n, ok := d.positive(o, f.name); ok {
			*f.dst = n
		}
	}
	c.Keep = d.unique(d.items(o, "keep", "image references (repository:tag) or tag patterns (release-*)", keepProblem))
	return c
}

// positive returns the whole number of at least 1 under name, and whether
// one was written there.
func (d *decoder) positive(o *object, name string) (int, bool) {
	f, ok := o.fields[name]
	if !ok || isNull(f.val) {
		return 0, false
	}
	var n int
	if f.val.Kind != yaml.ScalarNode || f.val.Tag != "!!int" || f.val.Decode(&n) != nil {
		d.report(f.val, join(o.path, name), "must be a whole number, got %s", describe(f.val))
		return 0, false
	}
	if n < 1 {
		d.report(f.val, join(o.path, name), "must be at least 1, got %d; leave the key out for the default", n)
		return 0, false
	}
	return n, true
}

// keepProblem checks a keep entry: a tag pattern, or a reference whose
// tag part is one.
func keepProblem(s string) string {
	if strings.ContainsAny(s, " \t") {
		return "must not hold spaces"
	}
	pattern := s
	ref := image.Cut(s)
	if strings.Contains(s, "@") {
		if digest := ref.Digest(); !strings.HasPrefix(digest, "sha256:") || len(digest) != len("sha256:")+64 {
			return "a reference by digest must end in @sha256:<64 hex>"
		}
		return ""
	}
	// A colon after the last '/' is a tag's; one before it, a port's.
	if ref.Repository() != s {
		pattern = ref.Tag()
		if ref.Repository() == "" || pattern == "" {
			return "must be repository:tag or a tag pattern such as release-*"
		}
	}
	if _, err := path.Match(pattern, ""); err != nil {
		return "bad tag pattern " + pattern + ": " + err.Error()
	}
	return ""
}
