package app

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationCleanupRefusesUnknownReleases exits 1, naming the
// environment, while an environment that answers holds no release record,
// and again while its records spell the registry another way; a record in
// another namespace, as deploy --namespace writes it, counts.
func TestIntegrationCleanupRefusesUnknownReleases(t *testing.T) {
	e := newCleanupEnv(t, []string{"a"}, "", "")
	// Records are looked up by their label in every namespace of the shared
	// cluster: an environment name of its own keeps other tests' out.
	env := testenv.UniqueName(t, "env")
	overlays := filepath.Join(e.root, "k8s", "overlays")
	if err := os.Rename(filepath.Join(overlays, "staging"), filepath.Join(overlays, env)); err != nil {
		t.Fatal(err)
	}
	e.write("x-platform.yml", strings.Replace(readFile(t, filepath.Join(e.root, "x-platform.yml")), "environments:\n",
		fmt.Sprintf("environments:\n  %s: {namespace: %s}\n", env, e.ns), 1))
	e.checkout()
	head := e.remotes["a"].Head(t, "master")
	e.pushOld("a", head)
	deployed := e.pushOld("a", strings.Repeat("d", 40))
	e.pushOld("a", strings.Repeat("e", 40))

	doc := e.cleanup(1, "--apply")
	if r := doc.Repositories[0].Refused; !strings.Contains(r, "environment "+env+" has no release record") {
		t.Errorf("refused %q, want %s named", r, env)
	}
	if got := e.tags("a"); len(got) != 3 {
		t.Fatalf("cleanup deleted without %s's releases: tags %v", env, got)
	}

	other := strings.Replace(e.registry, "127.0.0.1", "localhost", 1)
	if other == e.registry {
		t.Fatalf("registry %s is not on 127.0.0.1", e.registry)
	}
	store := &release.Store{Secrets: e.cs.CoreV1().Secrets(e.ns), Env: env}
	rec := &release.Record{Revision: 1, Status: release.Deployed,
		Services: []release.Service{{Name: "a", Commit: strings.Repeat("d", 40), Image: image.Cut(other + "/a:" + strings.Repeat("d", 40)), Digest: deployed}}}
	if err := store.Create(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	doc = e.cleanup(1, "--apply")
	if r := doc.Repositories[0].Refused; !strings.Contains(r, "release 1 of "+env+" names its image as "+other+"/a:") {
		t.Errorf("refused %q, want the record under %s named", r, other)
	}
	if got := e.tags("a"); len(got) != 3 {
		t.Fatalf("cleanup deleted beside a record under another registry name: tags %v", got)
	}

	// Recorded where deploy --namespace put it, under the manifest's registry.
	if err := store.Delete(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	elsewhere := testenv.Cluster(t).Namespace(t)
	e.record(elsewhere, env, 1, release.Deployed, "a", strings.Repeat("d", 40), deployed)
	doc = e.cleanup(0, "--apply")
	keep, _ := decisions(doc)
	if !strings.Contains(keep[deployed], "release 1 of "+env+" (deployed)") {
		t.Errorf("deployed image kept for %q, want its release", keep[deployed])
	}
	want := []string{head, strings.Repeat("d", 40)}
	slices.Sort(want)
	if got := e.tags("a"); !slices.Equal(got, want) {
		t.Errorf("tags after apply: %v, want %v", got, want)
	}
}
