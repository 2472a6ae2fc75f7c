package cleanup

import (
	"slices"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/image"
)

func sigTag(digest string) string { return strings.Replace(digest, ":", "-", 1) + ".sig" }

// outcomes indexes a report by digest.
func outcomes(rep *Report) map[string]Outcome {
	out := map[string]Outcome{}
	for _, o := range rep.Outcomes {
		out[o.Digest] = o
	}
	return out
}

// planned lists the digests a plan keeps and deletes.
func planned(t *testing.T, res *Result) (keep, del map[string][]string) {
	t.Helper()
	keep, del = map[string][]string{}, map[string][]string{}
	for _, rp := range res.Plan.Repositories {
		for _, d := range rp.Keep {
			keep[d.Digest] = d.Reasons
		}
		for _, d := range rp.Delete {
			del[d.Digest] = d.Reasons
		}
	}
	return keep, del
}

// TestIntegrationApplyChecksAgain plans, then lets a deploy record an image
// and a build tag another before the deletes: both are saved, the rest go,
// and applying the same plan again finds them gone and succeeds.
func TestIntegrationApplyChecksAgain(t *testing.T) {
	f := newFixture(t, "cleanup: {releasesPerEnvironment: 1, imagesPerBranch: 1}\n")
	f.sync()
	head := f.remote.Head(t, "master")
	running := f.push(old(), head, "key-h", "master")
	f.push(old(), sigTag(running))
	gone1 := f.push(old(), strings.Repeat("1", 40))
	gone2 := f.push(old(), strings.Repeat("2", 40), "key-2")
	gone2sig := f.push(old(), sigTag(gone2))
	gone3 := f.push(old(), strings.Repeat("3", 40))
	cache := f.push(old(), "buildcache")
	f.record(1, release.Deployed, head, running)

	ctx := t.Context()
	o := f.options()
	res, err := Plan(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	keep, del := planned(t, res)
	for _, d := range []string{running, cache} {
		if _, ok := keep[d]; !ok {
			t.Errorf("%s not kept; plan deletes it for %v", d, del[d])
		}
	}
	for _, d := range []string{gone1, gone2, gone2sig, gone3} {
		if _, ok := del[d]; !ok {
			t.Errorf("%s not deleted; plan keeps it for %v", d, keep[d])
		}
	}
	if len(keep)+len(del) != 7 {
		t.Errorf("plan has %d images, want 7", len(keep)+len(del))
	}

	// A deploy starts with gone1, a build points a new tag at gone3.
	f.record(2, release.InProgress, strings.Repeat("1", 40), gone1)
	f.push(old(), "moved")
	if err := f.reg.Tag(ctx, image.Cut(f.registry+"/a@"+gone3), "moved"); err != nil {
		t.Fatal(err)
	}

	rep := Apply(ctx, res, o)
	got := outcomes(rep)
	if o := got[gone1]; o.Done || !strings.Contains(o.Kept, "release 2 of staging (in-progress) names it now") {
		t.Errorf("gone1: %+v, want it kept for the in-progress release", o)
	}
	if o := got[gone3]; o.Done || !strings.Contains(o.Kept, "tag moved points at it since the plan") {
		t.Errorf("gone3: %+v, want it kept for the new tag", o)
	}
	for _, d := range []string{gone2, gone2sig} {
		if o := got[d]; !o.Done || o.Error != "" {
			t.Errorf("%s: %+v, want it deleted", d, o)
		}
	}
	if rep.Failed() {
		t.Errorf("report failed: %+v", rep)
	}
	wantTags := []string{strings.Repeat("1", 40), strings.Repeat("3", 40), head, "buildcache", "key-h", "master", "moved", sigTag(running)}
	slices.Sort(wantTags)
	want := strings.Join(wantTags, " ")
	if tags := f.tags(); tags != want {
		t.Errorf("tags after apply:\n got %s\nwant %s", tags, want)
	}

	// A run cut short is finished by the next: what is gone counts as done.
	again := outcomes(Apply(ctx, res, o))
	if o := again[gone2]; !o.Done || o.Error != "" || len(o.Deleted) != 0 {
		t.Errorf("gone2 applied again: %+v, want done with nothing left to delete", o)
	}
}

// TestIntegrationApplyWaitsForDeploys keeps everything while a deploy holds
// its environment's lock.
func TestIntegrationApplyWaitsForDeploys(t *testing.T) {
	f := newFixture(t, "")
	f.sync()
	f.recorded() // an environment without records would stop every delete
	gone := f.push(old(), strings.Repeat("4", 40))
	ctx := t.Context()
	o := f.options()
	res, err := Plan(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, del := planned(t, res); len(del) != 1 {
		t.Fatalf("plan deletes %v, want only %s", del, gone)
	}
	holder, seconds, now := "deployer pid 7", int32(60), metav1.NewMicroTime(time.Now())
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "x-platform.lock.staging", Namespace: f.ns},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &seconds, AcquireTime: &now, RenewTime: &now},
	}
	if _, err := f.cs.CoordinationV1().Leases(f.ns).Create(ctx, lease, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got := outcomes(Apply(ctx, res, o))[gone]
	if got.Done || !strings.Contains(got.Kept, "a deploy to staging is running (deployer pid 7)") {
		t.Errorf("outcome %+v, want it kept while the deploy runs", got)
	}
	if !strings.Contains(f.tags(), strings.Repeat("4", 40)) {
		t.Errorf("image deleted during a deploy: tags %s", f.tags())
	}
}
