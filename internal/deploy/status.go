package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/x-platform/x-platform/internal/deploy/object"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/manifest"
)

// Flags a service's status may carry.
const (
	// FlagDrift: live objects of the service differ from what was applied.
	FlagDrift = "drift"
	// FlagBehind: the service's reference names a commit that descends from
	// the one released, and its image is in the registry.
	FlagBehind = "behind"
	// FlagMissing: the service was never released to the environment, or no
	// live workload runs its image.
	FlagMissing = "missing"
	// FlagLocal: the release runs an image built from a working folder
	// (deploy --local), not from a commit.
	FlagLocal = "local"
)

// EnvStatus is what an environment runs, compared with its last release
// and with what its services' references name now.
type EnvStatus struct {
	Name      string
	Namespace string
	// Revision and Time are the last deployed release's; 0 when none.
	Revision int
	Time     time.Time
	Services []ServiceStatus
	// Drifted lists every live object that differs from the release's
	// manifest, or that is gone.
	Drifted []ObjectDrift
	// Warnings say what could not be found out, e.g. pins that could not
	// be resolved.
	Warnings []string
	// Canary is the release whose canary runs beside the deployed one,
	// or nil.
	Canary *release.Record
}

// ServiceStatus is one service in one environment.
type ServiceStatus struct {
	Name      string
	Reference string
	// Commit and Digest are what the last release deployed.
	Commit string
	Digest string
	// Pinned is the digest a deploy would pin now (lock file, else the
	// reference's commit in the registry); PinnedCommit its commit.
	Pinned       string
	PinnedCommit string
	// Running is the digest the live workloads run, "" when none does;
	// several differing ones are joined by commas.
	Running string
	Flags   []string
}

// ObjectDrift is one live object that differs from what was applied.
type ObjectDrift struct {
	Ref object.Ref
	// Fields are the paths of the fields that differ; empty when the
	// object is gone.
	Fields []string
	Gone   bool
	// repos are the image repositories the object ran when applied.
	repos map[string]bool
}

// Has says whether the service carries flag.
func (s ServiceStatus) Has(flag string) bool {
	for _, f := range s.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

// StatusOptions choose how much Status asks the cluster.
type StatusOptions struct {
	// DryRun also compares by a server-side dry run of the release's
	// manifest, which sees what a field comparison cannot (defaults that
	// changed, fields other managers own) at two requests per object.
	DryRun bool
}

// Status reads, for services, what the environment runs: the last
// release, the live objects it applied (one list per kind and namespace)
// and the images their pod templates run, and what a deploy would pin
// now. It changes nothing. An error means the environment could not be
// read at all, e.g. its cluster is unreachable.
func (e *Environment) Status(ctx context.Context, services []*manifest.Service, opts StatusOptions) (*EnvStatus, error) {
	d, err := e.deployer(ctx)
	if err != nil {
		return nil, err
	}
	st := &EnvStatus{Name: e.Name, Namespace: d.Namespace}
	all, err := d.store().List(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the release of %s: %w", e.Name, err)
	}
	var rec *release.Record
	for _, r := range all {
		if r.Status == release.Deployed {
			rec = r
		}
	}
	st.Canary = pendingCanary(all)
	pins := e.pinned(ctx, services, st)
	var running map[string][]string // image repository → digests
	if rec != nil {
		st.Revision, st.Time = rec.Revision, rec.Time
		lv, err := listLive(ctx, d.Cluster, d.Namespace, rec.Objects)
		if err != nil {
			return nil, err
		}
		if st.Drifted, err = drifted(rec, lv, d.Namespace); err != nil {
			return nil, err
		}
		if opts.DryRun {
			if err := d.addDryRunDrift(ctx, rec, st); err != nil {
				return nil, err
			}
		}
		running = runningImages(lv)
	}
	for _, s := range services {
		ss, warning := serviceStatus(s, rec, pins[s.Name], running, st.Drifted, e.ancestry(s))
		st.Services = append(st.Services, ss)
		if warning != "" {
			st.Warnings = append(st.Warnings, s.Name+": "+warning)
		}
	}
	return st, nil
}

// pinned is what a deploy would pin for services now, by name; what
// cannot be resolved is left out and said in st's warnings.
func (e *Environment) pinned(ctx context.Context, services []*manifest.Service, st *EnvStatus) map[string]Version {
	out := map[string]Version{}
	versions, err := e.Resolve(ctx, services)
	var missing *MissingImagesError
	switch {
	case errors.As(err, &missing):
		for _, m := range missing.Missing {
			st.Warnings = append(st.Warnings, m.Service+": "+m.Reason)
		}
	case err != nil:
		st.Warnings = append(st.Warnings, "resolving pins: "+err.Error())
		return out
	}
	for _, v := range versions {
		if v.Name != "" && v.Digest != "" {
			out[v.Name] = v
		}
	}
	return out
}

// AncestorFunc says whether commit ancestor is in the history of commit
// descendant.
type AncestorFunc func(ancestor, descendant string) (bool, error)

// ancestry reads the history of s's checkout, unless e.Ancestry says
// otherwise.
func (e *Environment) ancestry(s *manifest.Service) AncestorFunc {
	if e.Ancestry != nil {
		return func(a, d string) (bool, error) { return e.Ancestry(s, a, d) }
	}
	return func(a, d string) (bool, error) { return gitsync.IsAncestor(s.AbsDir, a, d) }
}

// serviceStatus compares one service's release, pin and live images. The
// service is behind when its pin is a newer commit than the released one:
// a pin the release is ahead of, or apart from, is said in the warning it
// returns, as is a history that could not be read.
func serviceStatus(s *manifest.Service, rec *release.Record, pin Version, running map[string][]string, drift []ObjectDrift, isAncestor AncestorFunc) (ss ServiceStatus, warning string) {
	ss = ServiceStatus{Name: s.Name, Reference: s.Git.Reference, Pinned: pin.Digest, PinnedCommit: pin.Commit}
	var rs *release.Service
	if rec != nil {
		rs = rec.Service(s.Name)
	}
	if rs == nil {
		ss.Flags = append(ss.Flags, FlagMissing)
		return ss, ""
	}
	ss.Commit, ss.Digest = rs.CommitOrTag(), rs.Digest
	if IsLocal(*rs) {
		ss.Flags = append(ss.Flags, FlagLocal)
	}
	repo := rs.Image.Repository()
	digests := running[repo]
	ss.Running = strings.Join(digests, ",")
	switch {
	case len(digests) == 0:
		ss.Flags = append(ss.Flags, FlagMissing)
	case len(digests) > 1 || digests[0] != rs.Digest || serviceDrifted(repo, drift):
		ss.Flags = append(ss.Flags, FlagDrift)
	}
	if pin.Digest == "" || pin.Commit == rs.Commit || pin.Digest == rs.Digest || IsLocal(*rs) {
		return ss, ""
	}
	newer, err := isAncestor(rs.Commit, pin.Commit)
	switch {
	case err != nil:
		ss.Flags = append(ss.Flags, FlagBehind)
		return ss, fmt.Sprintf("flagged behind because %s now names another commit (%.12s, released %.12s), but their history could not be read: %v", s.Git.Reference, pin.Commit, rs.Commit, err)
	case newer:
		ss.Flags = append(ss.Flags, FlagBehind)
		return ss, ""
	}
	return ss, fmt.Sprintf("the released commit %.12s is not in the history of %s (%.12s): the release is ahead of its reference or apart from it", rs.Commit, s.Git.Reference, pin.Commit)
}

// serviceDrifted says whether a drifted object ran the service's image
// when it was applied.
func serviceDrifted(repo string, drift []ObjectDrift) bool {
	for _, d := range drift {
		if d.repos[repo] {
			return true
		}
	}
	return false
}
