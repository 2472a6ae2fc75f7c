package release

import (
	"encoding/json"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/x-platform/x-platform/internal/deploy/object"
	"github.com/x-platform/x-platform/internal/image"
)

// Labels of a release record.
const (
	OwnerLabel    = "owner" // "x-platform", as Helm writes "helm"
	EnvLabel      = "x-platform.io/env"
	RevisionLabel = "x-platform.io/revision"
	StatusLabel   = "x-platform.io/status"
	// SecretType marks release records among other Secrets.
	SecretType corev1.SecretType = "x-platform.io/release.v1"
)

// Status is where a release stands.
type Status string

// Statuses of a release.
const (
	Deployed   Status = "deployed"   // the environment runs it
	Superseded Status = "superseded" // it was deployed, a later release replaced it
	Failed     Status = "failed"     // its rollout failed
	// Interrupted: the deploy was stopped (Ctrl-C) part way; the cluster may
	// run some of it.
	Interrupted Status = "interrupted"
	// Unknown: the cluster could not be read long enough to tell whether
	// the rollout succeeded.
	Unknown Status = "unknown"
	// InProgress: a deploy or rollback is applying it. A record left so by
	// a run that died (SIGKILL) is marked interrupted by the next one.
	InProgress Status = "in-progress"
)

// Settled says whether a release was deployed in full at some time.
func (s Status) Settled() bool { return s == Deployed || s == Superseded }

// Service is one service's version in a release.
type Service struct {
	Name string `json:"name"`
	// Commit is the commit the image was built from; "" for an image
	// built from a working folder as it is (build --local).
	Commit    string `json:"commit"`
	Reference string `json:"reference,omitempty"`
	// Tag is the image's tag: the commit's SHA, or dirty-<hash> for an
	// image built from a working folder.
	Tag    string    `json:"tag,omitempty"`
	Image  image.Ref `json:"image"`  // tagged name, <registry>/<image>:<tag>
	Digest string    `json:"digest"` // what the manifests pin
}

// UnmarshalJSON reads records written before services had a tag, which
// held a working folder's dirty-<hash> tag in commit.
func (s *Service) UnmarshalJSON(data []byte) error {
	type plain Service
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*s = Service(p)
	if s.Tag == "" {
		s.Tag = s.Commit
		if image.IsLocalTag(s.Commit) {
			s.Commit = ""
		}
	}
	return nil
}

// CommitOrTag is what reports show a service's image was built from: its
// commit, or for an image built from a working folder its tag.
func (s Service) CommitOrTag() string {
	if s.Commit == "" {
		return s.Tag
	}
	return s.Commit
}

// Record is one revision of an environment.
type Record struct {
	Env         string       `json:"env"`
	Revision    int          `json:"revision"`
	Status      Status       `json:"status"`
	Time        time.Time    `json:"time"`
	Description string       `json:"description"`
	Services    []Service    `json:"services"`
	Objects     []object.Ref `json:"objects"`
	// PromotedFrom names the release of another environment whose images
	// this one runs, when a promote made it; nil otherwise.
	PromotedFrom *Source `json:"promotedFrom,omitempty"`
	// Tests are the results of the last run of its post-deploy tests, in
	// the order they ran; none when no test ran.
	Tests []TestResult `json:"tests,omitempty"`
	// Phases are the Jobs of its release phases that ran, in order; none
	// when it has no phase or they were skipped.
	Phases []PhaseResult `json:"phases,omitempty"`
	// Canary is the release's canary, when its environment declares one
	// and the release changed a workload; nil otherwise.
	Canary *CanaryRecord `json:"canary,omitempty"`
	// Manifest is the rendered YAML that was applied.
	Manifest []byte `json:"-"`
	// Namespace is where the record was read from; "" for one not read.
	Namespace string `json:"-"`
}

// TestResult is how one post-deploy test of a release ended.
type TestResult struct {
	Name   string    `json:"name"`
	Passed bool      `json:"passed"`
	Job    string    `json:"job,omitempty"` // the Job(s) of the run, comma-separated
	Time   time.Time `json:"time"`
	// Message says why a test failed: the failing container's reason and
	// exit code, or a timeout.
	Message string `json:"message,omitempty"`
	// DurationMs is how long the test ran, in milliseconds.
	DurationMs int64 `json:"durationMs,omitempty"`
}

// PhaseStatus is how a phase Job ended.
type PhaseStatus string

// How a phase Job ends.
const (
	PhasePassed      PhaseStatus = "passed"
	PhaseFailed      PhaseStatus = "failed"
	PhaseInterrupted PhaseStatus = "interrupted"
)

// PhaseResult is how one Job of a release phase ended.
type PhaseResult struct {
	Phase string `json:"phase"` // pre-deploy or post-deploy
	// Name is the Job's name in the overlay; Job the name of its run.
	Name       string      `json:"name"`
	Job        string      `json:"job,omitempty"`
	Status     PhaseStatus `json:"status"`
	Time       time.Time   `json:"time"`
	DurationMs int64       `json:"durationMs,omitempty"`
	// Message says why it failed: the failing container's reason and exit
	// code, the Job's condition, or a timeout.
	Message string `json:"message,omitempty"`
	// Logs are the last lines the failed Job's pod wrote.
	Logs []string `json:"logs,omitempty"`
}

// Source is the release a promote took its images from.
type Source struct {
	Env      string `json:"env"`
	Revision int    `json:"revision"`
}

// Service returns the named service of the release, or nil.
func (r *Record) Service(name string) *Service {
	for i := range r.Services {
		if r.Services[i].Name == name {
			return &r.Services[i]
		}
	}
	return nil
}
