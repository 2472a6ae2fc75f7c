package app

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/report"
)

// TestIntegrationCleanupKeepsTagsBuildsDoNotWrite keeps images tagged
// latest or with a hotfix tag pushed by hand, saying how to delete them;
// --all-tags (XP_ALL_TAGS) deletes them. Both runs tell how to collect
// garbage safely, and the plan warns about the multi-platform index.
func TestIntegrationCleanupKeepsTagsBuildsDoNotWrite(t *testing.T) {
	e := newCleanupEnv(t, []string{"a"}, "", "")
	e.write("x-platform.yml", strings.Replace(readFile(t, filepath.Join(e.root, "x-platform.yml")), "environments:\n",
		fmt.Sprintf("environments:\n  staging: {namespace: %s}\n", e.ns), 1))
	e.checkout()
	head := e.remotes["a"].Head(t, "master")
	// staging ran the head image: its record makes the environment known.
	e.record(e.ns, "staging", 1, release.Deployed, "a", head, e.pushOld("a", head))
	latest := e.pushOld("a", "latest", strings.Repeat("1", 40))
	hotfix := e.pushOld("a", "v2-hotfix")
	gone := e.pushOld("a", strings.Repeat("2", 40), "key-2", "dirty-0123456789abcdef")
	idx, err := random.Index(64, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.NewTag(e.registry + "/a:" + strings.Repeat("3", 40))
	if err := remote.WriteIndex(ref, idx, remote.WithContext(t.Context())); err != nil {
		t.Fatal(err)
	}
	multi, _ := idx.Digest()

	doc := e.cleanup(0, "--apply")
	keep, del := decisions(doc)
	for d, tag := range map[string]string{latest: "latest", hotfix: "v2-hotfix"} {
		if !strings.Contains(keep[d], "tag "+tag+" is not one x-platform writes") || !strings.Contains(keep[d], "--all-tags deletes it") {
			t.Errorf("image tagged %s kept for %q, want it kept for its tag, naming --all-tags (deleted for %q)", tag, keep[d], del[d])
		}
	}
	if _, ok := del[gone]; !ok || len(del) != 2 {
		t.Errorf("deleted %v, want %s and the index %s", del, gone, multi)
	}
	if !strings.Contains(doc.GarbageCollection, "distribution v3 (registry:3), `registry garbage-collect --delete-untagged") ||
		!strings.Contains(doc.GarbageCollection, "without --delete-untagged") {
		t.Errorf("garbage collection hint %q, want --delete-untagged for v3 only", doc.GarbageCollection)
	}
	if !slices.ContainsFunc(doc.Notes, func(n string) bool { return strings.Contains(n, "hold image indexes") }) {
		t.Errorf("notes %q, want a warning about the index", doc.Notes)
	}
	want := []string{strings.Repeat("1", 40), head, "latest", "v2-hotfix"}
	slices.Sort(want)
	if got := e.tags("a"); !slices.Equal(got, want) {
		t.Errorf("tags after apply: %v, want %v", got, want)
	}

	doc = e.cleanup(0, "--all-tags")
	if _, del := decisions(doc); len(del) != 2 || del[latest] == "" || del[hotfix] == "" {
		t.Errorf("dry run with --all-tags deletes %v, want the latest and hotfix images", del)
	}
	t.Setenv("XP_ALL_TAGS", "true")
	doc = e.cleanup(0, "--apply")
	if len(doc.Report.Outcomes) != 2 || slices.ContainsFunc(doc.Report.Outcomes, func(o report.CleanupOutcome) bool { return !o.Done }) {
		t.Errorf("apply with XP_ALL_TAGS: %+v, want two images deleted", doc.Report)
	}
	if got := e.tags("a"); !slices.Equal(got, []string{head}) {
		t.Errorf("tags after apply with XP_ALL_TAGS: %v, want only %s", got, head)
	}
}
