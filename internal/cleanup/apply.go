package cleanup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/retention"
)

// Outcome is what became of one image the plan deletes.
type Outcome struct {
	Service    string
	Repository string
	Digest     string
	// Deleted lists the tags deleted.
	Deleted []string
	// Done says the image's planned tags are gone and no other tag pointed
	// at it when last looked: its manifest is untagged, for the registry's
	// garbage collector, or deleted (ManifestDeleted).
	Done bool
	// ManifestDeleted says the manifest was deleted by digest, on a
	// registry that refuses tag deletes.
	ManifestDeleted bool
	// Kept says why the check just before the delete kept the image.
	Kept string
	// Refused says why the image was not deleted although nothing keeps it.
	Refused string
	Error   string
}

// Report is what Apply did.
type Report struct {
	Outcomes []Outcome
	// NoTagDeletes lists the repositories whose registry deletes manifests
	// only by digest.
	NoTagDeletes []string
}

// Failed says whether a delete failed or was refused.
func (r *Report) Failed() bool {
	return slices.ContainsFunc(r.Outcomes, func(o Outcome) bool { return o.Error != "" || o.Refused != "" })
}

// Apply deletes what res plans to delete, each image only after checking
// again that no release names it, no deploy is running and none of its tags
// moved. It deletes the planned tags only and leaves untagged manifests to
// the registry's garbage collector: a manifest delete would also take a tag
// a build added since the last look. Where the registry refuses tag deletes
// it lists the repository again just before each manifest delete. A tag or
// manifest already gone counts as deleted, so a run cut short is finished
// by the next one, which plans from scratch.
func Apply(ctx context.Context, res *Result, o Options) *Report {
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	g := &guard{registry: res.Registry, envs: res.envs, releases: o.Manifest.Cleanup.ReleasesPerEnvironment}
	rep := &Report{}
	for _, rp := range res.Plan.Repositories {
		if len(rp.Delete) == 0 {
			continue
		}
		repo := repository(res.Registry, rp.Repository)
		outs := o.applyRepository(ctx, g, repo, rp, rep)
		rep.Outcomes = append(rep.Outcomes, outs...)
	}
	return rep
}

func (o *Options) applyRepository(ctx context.Context, g *guard, repo image.Ref, rp retention.RepositoryPlan, rep *Report) []Outcome {
	outs := make([]Outcome, len(rp.Delete))
	for i, d := range rp.Delete {
		outs[i] = Outcome{Service: rp.Service, Repository: rp.Repository, Digest: d.Digest}
		if rp.Refused != "" {
			outs[i].Refused = rp.Refused
		}
	}
	if rp.Refused != "" {
		return outs
	}
	o.log("checking %s again before deleting %d images", repo, len(rp.Delete))
	now, err := o.pointing(ctx, repo)
	if err != nil {
		for i := range outs {
			outs[i].Error = err.Error()
		}
		return outs
	}
	var noTagDeletes sync.Once
	t := &applier{o: o, g: g, repo: repo, rp: rp, pointing: now}
	t.unsupported = func() {
		t.byDigest.Store(true)
		noTagDeletes.Do(func() { rep.NoTagDeletes = append(rep.NoTagDeletes, repo.String()) })
	}
	// Images first, then what belongs to them, so that a signature never
	// outlives a check that kept its image.
	for _, artifacts := range []bool{false, true} {
		eg := errgroup.Group{}
		eg.SetLimit(o.Concurrency)
		for i, d := range rp.Delete {
			if (d.Subject != "") != artifacts {
				continue
			}
			eg.Go(func() error {
				t.one(ctx, d, &outs[i], outs)
				return nil
			})
		}
		_ = eg.Wait()
		o.untagged(ctx, repo, rp, artifacts, outs)
	}
	return outs
}

// untagged looks at repo again after its tag deletes: an image a tag
// outside the plan points at now is not deleted, whatever its planned tags.
func (o *Options) untagged(ctx context.Context, repo image.Ref, rp retention.RepositoryPlan, artifacts bool, outs []Outcome) {
	var untagged []int
	for i, d := range rp.Delete {
		if (d.Subject != "") == artifacts && outs[i].Done && !outs[i].ManifestDeleted {
			untagged = append(untagged, i)
		}
	}
	if len(untagged) == 0 {
		return
	}
	now, err := o.pointing(ctx, repo)
	if err != nil {
		for _, i := range untagged {
			outs[i].Done = false
			outs[i].Error = fmt.Sprintf("looking whether a tag points at it after deleting its tags: %v", err)
		}
		return
	}
	for _, i := range untagged {
		if tags := now[rp.Delete[i].Digest]; len(tags) > 0 {
			outs[i].Done = false
			outs[i].Kept = fmt.Sprintf("tag %s points at it since the plan; its manifest stays", strings.Join(tags, ", "))
		}
	}
}

// pointing lists which tags point at each digest of repo now.
func (o *Options) pointing(ctx context.Context, repo image.Ref) (map[string][]string, error) {
	tags, err := o.Registry.Tags(ctx, repo)
	if err != nil {
		return nil, err
	}
	digests, err := o.Registry.Digests(ctx, repo, tags, o.Concurrency)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for t, d := range digests {
		out[d] = append(out[d], t)
	}
	for _, tags := range out {
		slices.Sort(tags)
	}
	return out, nil
}

type applier struct {
	o           *Options
	g           *guard
	repo        image.Ref
	rp          retention.RepositoryPlan
	pointing    map[string][]string
	unsupported func()
	// byDigest is set once the registry refused a tag delete.
	byDigest atomic.Bool
}

// one checks one image again and deletes its planned tags or, on a
// registry that refuses tag deletes, its manifest.
func (t *applier) one(ctx context.Context, d retention.Decision, out *Outcome, all []Outcome) {
	decided := time.Now()
	if d.Subject != "" {
		for i, other := range t.rp.Delete {
			if other.Digest == d.Subject && !all[i].Done {
				out.Kept = "its image " + d.Subject + " was not deleted"
				return
			}
		}
	}
	snap := t.g.fresh(ctx, decided)
	if snap.err != nil {
		out.Refused = snap.err.Error()
		return
	}
	if why := snap.keeps(t.rp.Repository, d.Digest, d.Tags); why != "" {
		out.Kept = why
		return
	}
	if d.Subject != "" {
		if why := snap.keeps(t.rp.Repository, d.Subject, nil); why != "" {
			out.Kept = why
			return
		}
	}
	for _, tag := range t.pointing[d.Digest] {
		if !slices.Contains(d.Tags, tag) {
			out.Kept = fmt.Sprintf("tag %s points at it since the plan", tag)
			return
		}
	}
	now, err := t.o.Registry.Digests(ctx, t.repo, d.Tags, t.o.Concurrency)
	if err != nil {
		out.Error = err.Error()
		return
	}
	var tags []string
	for _, tag := range d.Tags {
		// A tag gone is done; one moved to another image is not ours to delete.
		if now[tag] == d.Digest {
			tags = append(tags, tag)
		}
	}
	if !t.byDigest.Load() {
		for _, tag := range tags {
			err := t.o.Registry.DeleteTag(ctx, t.repo, tag)
			if errors.Is(err, image.ErrUnsupported) {
				t.unsupported()
				break
			}
			if err != nil {
				out.Error = err.Error()
				return
			}
			out.Deleted = append(out.Deleted, tag)
		}
		if !t.byDigest.Load() {
			// The untagged manifest is the garbage collector's.
			out.Done = true
			t.o.log("deleted the tags of %s@%s", t.repo, d.Digest)
			return
		}
	}
	t.deleteManifest(ctx, d, out)
}

// deleteManifest deletes d by digest, which takes every tag pointing at it:
// only after listing the repository again finds no tag outside the plan
// there. A tag added between that look and the delete is lost; registries
// that delete tags leave no such window.
func (t *applier) deleteManifest(ctx context.Context, d retention.Decision, out *Outcome) {
	now, err := t.o.pointing(ctx, t.repo)
	if err != nil {
		out.Error = fmt.Sprintf("listing %s again before deleting the manifest: %v", t.repo, err)
		return
	}
	tags := now[d.Digest]
	for _, tag := range tags {
		if !slices.Contains(d.Tags, tag) {
			out.Kept = fmt.Sprintf("tag %s points at it since the plan", tag)
			return
		}
	}
	if err := t.o.Registry.DeleteManifest(ctx, t.repo, d.Digest); err != nil {
		out.Error = err.Error()
		return
	}
	out.Deleted, out.Done, out.ManifestDeleted = tags, true, true
	t.o.log("deleted %s@%s", t.repo, d.Digest)
}
