package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/x-platform/x-platform/internal/deploy/apply"
	"github.com/x-platform/x-platform/internal/deploy/applyset"
	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/ui"
)

// Deployer deploys to one environment of one cluster.
type Deployer struct {
	Cluster *kube.Cluster
	Env     string
	// Namespace holds the release records and the ApplySet parent, and
	// receives the objects that name no namespace; see ChooseNamespace.
	Namespace string
	Rollout
	// Images, when set, is asked before a rollback whether the images of
	// the release to restore are still in their registries.
	Images DigestLookup
	// Check, when set, is run on the images a deploy or rollback would
	// run before anything is applied or recorded; an error stops it.
	Check Check
	// Source, when set, is the release of another environment a deploy
	// promotes: its record names it.
	Source *release.Source
	// Tests run once the rollout is ready (see posttest.go); one that
	// fails fails the deploy as a failed rollout does.
	Tests []PostTest
	// Canary, when set, meets a release that changes a Deployment's pods
	// with a canary first (see canary.go); nil rolls it out at once.
	Canary   *manifest.Canary
	Progress *ui.Progress
}

// Rollout is how a deploy or rollback rolls out.
type Rollout struct {
	// Timeout bounds the wait for the rollout to become ready; 0 means 5m.
	Timeout time.Duration
	// NoRollback keeps a failed rollout in place for debugging.
	NoRollback bool
	// ForceConflicts takes over fields other managers own.
	ForceConflicts bool
	// HistoryMax is how many release records are kept; 0 means 10.
	HistoryMax int
	// Interval between status polls; 0 means the tracker's default.
	Interval time.Duration
	// Outage is how long tracking waits out an API that does not answer;
	// 0 means the tracker's default.
	Outage time.Duration
	// RunPhases makes a rollback run the phase Jobs of the release it
	// restores (its migrations, say), which it otherwise skips.
	RunPhases bool
}

// Check looks at the images a deploy or rollback is about to run, once
// they are final (a signature check, say). Versions restored from a
// release record have no ImageName, unless an Environment gave them the
// manifest's.
type Check func(ctx context.Context, versions []Version) error

func (d *Deployer) store() *release.Store {
	return &release.Store{Secrets: d.Cluster.Clientset.CoreV1().Secrets(d.Namespace), Env: d.Env}
}

func (d *Deployer) applier() *apply.Applier {
	return &apply.Applier{
		Dynamic: d.Cluster.Dynamic, Mapper: d.Cluster.Mapper,
		Set: d.ApplySet(), Force: d.ForceConflicts,
	}
}

// Current returns the release deployed now, or nil.
func (d *Deployer) Current(ctx context.Context) (*release.Record, error) {
	cur, err := d.store().Current(ctx)
	if errors.Is(err, release.ErrNoRelease) {
		return nil, nil
	}
	return cur, err
}

// Deploy applies objs, the overlay rendered with versions, tracks them to
// ready and records the release. Everything that can be checked before
// applying is: annotations, the namespace, and a server-side dry run of
// every object. The pre-deploy Jobs of the overlay (see SplitPhases) run
// first: one that fails stops the release before anything else is applied
// (*PhaseStoppedError). The post-deploy Jobs run once the rollout is ready,
// then the post-deploy Tests; one
// that fails (*TestFailedError) fails the rollout. A failed rollout is
// rolled back to the release deployed before, unless NoRollback; the
// error is then a *RolloutError. A deploy
// interrupted part way is recorded as such and left for the user to decide
// (*InterruptedError); so is a rollout whose outcome an API outage hid
// (*UnknownOutcomeError). A deploy that lost its lock writes nothing more
// (*LeaseLostError). With a Canary, a release that changes a Deployment's
// pods meets a share of the traffic first (see canary_run.go): a manual
// canary returns after its first step, recorded as release.Canary; one
// that fails is aborted (*CanaryAbortedError). While a canary runs, a
// deploy is refused (*CanaryPendingError).
func (d *Deployer) Deploy(ctx context.Context, versions []Version, objs []*unstructured.Unstructured, manifest []byte) (*Outcome, error) {
	if err := d.check(ctx, versions); err != nil {
		return nil, fmt.Errorf("checking the images to deploy, nothing was applied: %w", err)
	}
	if err := checkPolicies(objs); err != nil {
		return nil, err
	}
	phases, err := splitPhases(objs)
	if err != nil {
		return nil, err
	}
	objs = phases.Main
	if err := d.checkNamespace(ctx, objs); err != nil {
		return nil, err
	}
	ctx, unlock, err := d.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	store := d.store()
	if err := d.checkNoCanary(ctx, store); err != nil {
		return nil, err
	}
	current, err := d.Current(ctx)
	if err != nil {
		return nil, err
	}
	targets, err := d.canaryTargets(current, objs)
	if err != nil {
		return nil, err
	}
	if len(targets) > 0 && d.Canary.Manual {
		// canary promote applies the release from its record, which keeps
		// no values of Secrets decrypted from SOPS files.
		name, err := sopsSecretIn(manifest)
		if err != nil {
			return nil, err
		}
		if name != "" {
			return nil, &ConfigError{fmt.Errorf("a canary with pause: manual carries the release between commands in its record, which keeps no values of Secret %s (from a SOPS file): give the canary a pause duration, or deploy this change without a canary", name)}
		}
	}
	a := d.applier()
	d.step("checking %d objects with a server-side dry run", len(objs))
	if _, err := a.Plan(ctx, objs, false); err != nil {
		if lost := leaseLost(ctx); lost != nil {
			return nil, lost
		}
		return nil, fmt.Errorf("checking the objects, nothing was applied: %w", err)
	}
	out := &Outcome{Env: d.Env, Namespace: d.Namespace}
	for _, v := range versions {
		out.Versions = append(out.Versions, v.Service)
	}
	rec := &release.Record{Services: out.Versions, Objects: refs(objs), Manifest: manifest, Description: "deploy"}
	if d.Source != nil {
		rec.PromotedFrom, rec.Description = d.Source, fmt.Sprintf("promote from %s revision %d", d.Source.Env, d.Source.Revision)
	}
	skip := d.skipPhases(current, rec, phases)
	if err := d.begin(ctx, store, rec); err != nil {
		return nil, err
	}
	if !skip {
		if rec.Revision == 0 && len(phases.Pre) > 0 {
			return nil, &ConfigError{fmt.Errorf("pre-deploy jobs run in namespace %s, which does not exist yet: create it first", d.Namespace)}
		}
		if err := d.preDeploy(ctx, store, rec, out, current, phases); err != nil {
			return out, err
		}
	}
	if len(targets) > 0 {
		if paused, err := d.startCanary(ctx, store, rec, out, current, targets); paused || err != nil {
			return out, err
		}
	}
	return d.conclude(ctx, store, a, rec, out, current, phases, skip)
}

func unchanged(out *Outcome) bool {
	for _, o := range out.Objects {
		if o.Action != apply.Unchanged {
			return false
		}
	}
	return true
}

func sameRelease(cur, next *release.Record) bool {
	return bytes.Equal(cur.Manifest, next.Manifest) && slices.Equal(cur.Services, next.Services)
}

// checkNamespace makes sure the deploy's namespace exists or is created by
// the overlay itself.
func (d *Deployer) checkNamespace(ctx context.Context, objs []*unstructured.Unstructured) error {
	for _, o := range objs {
		if o.GetKind() == "Namespace" && o.GetAPIVersion() == "v1" && o.GetName() == d.Namespace {
			return nil
		}
	}
	_, err := d.Cluster.Clientset.CoreV1().Namespaces().Get(ctx, d.Namespace, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return &ConfigError{fmt.Errorf("namespace %s does not exist: create it, add a Namespace to the overlay, or choose another with --namespace", d.Namespace)}
	}
	if err != nil {
		return fmt.Errorf("reading namespace %s: %w", d.Namespace, err)
	}
	return nil
}

// lock holds the environment for the rest of a deploy or rollback: the
// context it returns ends when the lock is lost. A first deploy whose
// overlay creates the namespace has nowhere to keep the lock yet; it goes
// ahead, and two such deploys still cannot record the same revision.
func (d *Deployer) lock(ctx context.Context) (context.Context, func(), error) {
	held, unlock, err := newEnvLock(d.Cluster.Clientset, d.Namespace, d.Env).acquire(ctx, d.Env)
	if apierrors.IsNotFound(err) {
		return ctx, func() {}, nil
	}
	return held, unlock, err
}

// leaseLost is the *LeaseLostError that ended ctx, or nil.
func leaseLost(ctx context.Context) error {
	var lost *LeaseLostError
	if errors.As(context.Cause(ctx), &lost) {
		return lost
	}
	return nil
}

// ApplySet is the set the environment's objects belong to.
func (d *Deployer) ApplySet() applyset.Parent { return applyset.ForEnv(d.Env, d.Namespace) }
