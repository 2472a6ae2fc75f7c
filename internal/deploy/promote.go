package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/x-platform/x-platform/internal/deploy/object"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/image"
)

// UnhealthySourceError is a promote refused because the source
// environment's current release is not one to promote: not deployed, or
// its live workloads do not run its images or are not ready. Nothing was
// applied to the target.
type UnhealthySourceError struct {
	Env      string
	Revision int // 0 when the source has no release
	Reasons  []string
}

func (e *UnhealthySourceError) Error() string {
	what := e.Env
	if e.Revision > 0 {
		what = fmt.Sprintf("%s revision %d", e.Env, e.Revision)
	}
	return fmt.Sprintf("not promoting %s, nothing was applied: %s", what, strings.Join(e.Reasons, "; "))
}

// SourceCheck, when set on the source Environment, runs on its current
// release once it is found deployed and healthy, before anything is
// applied to the target: post-deploy tests, say. An error refuses the
// promote.
type SourceCheck func(ctx context.Context, rec *release.Record) error

// Promote deploys to e exactly the images from's current release runs,
// through e's overlay, with the apply, tracking, automatic rollback and
// records of Deploy; nothing is resolved from checkouts or a registry.
// from's current release must be deployed, and its live workloads must be
// ready and run its recorded digests (*UnhealthySourceError otherwise);
// then check, when set, has its say. The new record names the source
// release. A nil Outcome means nothing was applied.
func (e *Environment) Promote(ctx context.Context, from *Environment, check SourceCheck) (*Outcome, error) {
	if from.Name == e.Name {
		return nil, &ConfigError{fmt.Errorf("promote needs two environments, got %s twice", e.Name)}
	}
	if e.Settings.Namespace != "" {
		if err := e.checkOwnNamespace(); err != nil {
			return nil, err
		}
	}
	src, err := from.healthyRelease(ctx)
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(ctx, src); err != nil {
			return nil, fmt.Errorf("checking %s revision %d, nothing was applied: %w", from.Name, src.Revision, err)
		}
	}
	versions, err := e.promoted(from.Name, src)
	if err != nil {
		return nil, err
	}
	e.step("promoting %s revision %d (%s) to %s", from.Name, src.Revision, describe(src.Services), e.Name)
	return e.deploy(ctx, versions, &release.Source{Env: from.Name, Revision: src.Revision})
}

// promoted is the versions of src, with the manifest's image names; every
// service of the manifest must be in it.
func (e *Environment) promoted(env string, src *release.Record) ([]Version, error) {
	var out []Version
	var missing []string
	for _, s := range e.Manifest.Services {
		rs := src.Service(s.Name)
		if rs == nil {
			missing = append(missing, s.Name)
			continue
		}
		out = append(out, Version{Service: *rs, ImageName: s.Docker.Image})
	}
	if len(missing) > 0 {
		return nil, &UnhealthySourceError{Env: env, Revision: src.Revision, Reasons: []string{
			fmt.Sprintf("it does not run %s: deploy them to %s first", strings.Join(missing, ", "), env),
		}}
	}
	return out, nil
}

// healthyRelease is the environment's current release once it is found
// deployed, with its workloads ready and running its recorded images.
func (e *Environment) healthyRelease(ctx context.Context) (*release.Record, error) {
	all, err := e.History(ctx)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, &UnhealthySourceError{Env: e.Name, Reasons: []string{"nothing was ever deployed to it"}}
	}
	cur := all[len(all)-1]
	if cur.Status != release.Deployed {
		return nil, &UnhealthySourceError{Env: e.Name, Revision: cur.Revision, Reasons: []string{
			fmt.Sprintf("its latest release is %s, not deployed (see x-platform history --env %s)", cur.Status, e.Name),
		}}
	}
	reasons, err := e.liveProblems(ctx, cur)
	if err != nil {
		return nil, err
	}
	if len(reasons) > 0 {
		return nil, &UnhealthySourceError{Env: e.Name, Revision: cur.Revision, Reasons: reasons}
	}
	return cur, nil
}

// workloadKinds are the kinds whose pod templates run images.
var workloadKinds = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true, "ReplicaSet": true, "Job": true, "CronJob": true}

// liveProblems reads the workloads of rec as they are now, with one List
// per kind, and says where they are not ready or run an image of a
// service other than rec's.
func (e *Environment) liveProblems(ctx context.Context, rec *release.Record) ([]string, error) {
	cl, err := e.connect(ctx)
	if err != nil {
		return nil, err
	}
	ns, err := e.Namespace(ctx)
	if err != nil {
		return nil, err
	}
	want := map[string]string{} // repository → pinned image
	for _, s := range rec.Services {
		repo := s.Image
		want[repo.Repository()] = repo.WithDigest(s.Digest).String()
	}
	var workloads []object.Ref
	for _, ref := range rec.Objects {
		if workloadKinds[ref.Kind] {
			workloads = append(workloads, ref)
		}
	}
	live, err := listLive(ctx, cl, ns, workloads)
	if err != nil {
		return nil, fmt.Errorf("reading the workloads of %s: %w", e.Name, err)
	}
	var problems []string
	for _, ref := range workloads {
		in := ref.Namespace
		if in == "" {
			in = ns
		}
		u, ok := live[keyIn(ref, in)]
		if !ok {
			problems = append(problems, ref.Short()+" is gone")
			continue
		}
		for _, img := range images(u) {
			if pinned, ok := want[image.Cut(img).Repository()]; ok && img != pinned {
				problems = append(problems, fmt.Sprintf("%s runs %s, the release recorded %s", ref.Short(), img, pinned))
			}
		}
		res, err := kstatus.Compute(u)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: %v", ref.Short(), err))
		case res.Status != kstatus.CurrentStatus:
			problems = append(problems, fmt.Sprintf("%s is not ready (%s: %s)", ref.Short(), res.Status, res.Message))
		}
	}
	return problems, nil
}

// IsUnhealthySource says whether err refused a promote for its source.
func IsUnhealthySource(err error) bool {
	var u *UnhealthySourceError
	return errors.As(err, &u)
}
