package retention

import "time"

// Rules are the numbers of the manifest's cleanup: section.
type Rules struct {
	// ReleasesPerEnvironment keeps the images of each environment's last N
	// release records; the deployed and in-progress ones are kept whatever N.
	ReleasesPerEnvironment int
	// LockCommits keeps the images pinned by x-platform.lock in the last N
	// commits of each branch and tag of the platform repository.
	LockCommits int
	// BranchDays keeps images of branches whose head moved within N days.
	BranchDays int
	// ImagesPerBranch is how many images of each such branch are kept.
	ImagesPerBranch int
	// Recent keeps anything created less than this long ago: a build may be
	// running and about to tag it.
	Recent time.Duration
	// Keep lists image references (repository:tag, repository@digest) and
	// tag patterns (path.Match syntax: "release-*") kept whatever else.
	Keep []string
	// AllTags deletes images whatever their tags; otherwise an image with a
	// tag of a shape x-platform's builds and cosign do not write (latest,
	// a hand-pushed hotfix) is kept.
	AllTags bool
}

// Ref names an image in one repository by tag or digest (or both).
type Ref struct {
	Repository string // path below the registry, e.g. "zbackend"
	Tag        string
	Digest     string
}

// Image is one manifest of a repository with the tags pointing at it.
type Image struct {
	Digest string
	Tags   []string
	// Created is when the image was built; zero when unknown.
	Created time.Time
	// Children are the manifests an index lists, one per platform; a
	// signature may be of one of them.
	Children []string
	// Subject is, for an artifact whose manifest names the image it refers
	// to (what the Referrers API lists), that image's digest.
	Subject string
	// Uses are the images this one was built from, as its labels record
	// them: kept while it is.
	Uses []Ref
}

// Repository is one service's image repository as the registry lists it.
type Repository struct {
	Service string
	Name    string // path below the registry
	Images  []Image
}

// Release is one release record of an environment.
type Release struct {
	Env      string
	Revision int
	// Status is the record's status ("deployed", "in-progress", ...).
	Status string
	Images []Ref
}

// LockHistory is the x-platform.lock files of one branch or tag of the
// platform repository, newest commit first.
type LockHistory struct {
	Ref     string // "main", "tag v1.2"
	Commits []LockCommit
}

// LockCommit is the lock file at one commit; Images is empty when the
// commit has none.
type LockCommit struct {
	Commit string
	Images []Ref
}

// Source is what a service's git remote has.
type Source struct {
	Service  string
	Tags     []GitTag
	Branches []Branch
}

// GitTag is a tag of a service's remote and the commit it points to.
type GitTag struct {
	Name, Commit string
	// ImageTag is the docker tag builds give the git tag's name.
	ImageTag string
}

// Branch is a branch of a service's remote: when its head was committed
// and its first-parent history, newest first.
type Branch struct {
	Name string
	// ImageTag is the docker tag builds give the branch's name.
	ImageTag string
	Head     time.Time
	Commits  []string
}

// Input is everything a plan is made from.
type Input struct {
	Now          time.Time
	Rules        Rules
	Repositories []Repository
	Releases     []Release
	Locks        []LockHistory
	Sources      []Source
	// Builders are the builder images the manifest names.
	Builders []Ref
	// Pins are the commits the manifest's services are pinned to.
	Pins []Pin
	// Running are the images environments' live workloads run now.
	Running []Running
	// Refused maps a service to why nothing of it may be deleted, such as
	// an environment whose cluster could not be read.
	Refused map[string]string
}

// Pin is the commit a service's git.reference resolves to; its image is
// tagged with the commit.
type Pin struct {
	Service   string
	Reference string
	Commit    string
}

// Plan is the outcome for every repository, in input order.
type Plan struct {
	Repositories []RepositoryPlan
}

// RepositoryPlan is what happens to one repository's images.
type RepositoryPlan struct {
	Service    string
	Repository string
	Keep       []Decision
	Delete     []Decision
	// Refused says why Delete is not carried out; "" when it may be.
	Refused string
}

// Decision is one image with the reasons it is kept, or why it goes.
type Decision struct {
	Digest  string
	Tags    []string
	Created time.Time
	Reasons []string
	// Subject is, for a signature, attestation or SBOM, the digest of the
	// image it belongs to; deleted after nothing else of the image is left.
	Subject string
}
