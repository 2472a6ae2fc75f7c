package app

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// cleanupEnv is a deploy test platform with a cleanup: section and
// environments of its own, in a git repository of its own.
type cleanupEnv struct {
	*cluster
	kubeconfig string
}

func newCleanupEnv(t *testing.T, services []string, envs, section string) *cleanupEnv {
	t.Helper()
	c := newCluster(t, services...)
	// After the cluster, whose programs are cached under the real HOME.
	t.Setenv("HOME", t.TempDir())
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	var b strings.Builder
	fmt.Fprintf(&b, "registry: %s\nservices:\n", c.registry)
	for _, s := range services {
		fmt.Fprintf(&b, "  %s:\n    dir: src/%s\n    git: {remote: %s, reference: origin/master}\n"+
			"    dockerBuilder: {image: busybox, workdir: /src}\n    docker: {image: %s}\n", s, s, c.remotes[s].URL, s)
	}
	fmt.Fprintf(&b, "environments:\n%s%s", envs, section)
	c.write("x-platform.yml", b.String())
	return &cleanupEnv{cluster: c, kubeconfig: c.env.Kubeconfig}
}

// pushOld writes a random image (no creation time: old) under tags.
func (e *cleanupEnv) pushOld(service string, tags ...string) string {
	e.t.Helper()
	img, err := random.Image(128, 1)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, tag := range tags {
		ref, _ := name.NewTag(e.registry + "/" + service + ":" + tag)
		if err := remote.Write(ref, img, remote.WithContext(e.t.Context())); err != nil {
			e.t.Fatal(err)
		}
	}
	d, _ := img.Digest()
	return d.String()
}

func (e *cleanupEnv) record(ns, env string, revision int, status release.Status, service, tag, digest string) {
	e.t.Helper()
	store := &release.Store{Secrets: e.cs.CoreV1().Secrets(ns), Env: env}
	r := &release.Record{Revision: revision, Status: status, Time: time.Now(),
		Services: []release.Service{{Name: service, Commit: tag, Image: image.Cut(e.registry + "/" + service + ":" + tag), Digest: digest}}}
	if err := store.Create(e.t.Context(), r); err != nil {
		e.t.Fatal(err)
	}
}

// cleanup runs x-platform cleanup with args and decodes its JSON result.
func (e *cleanupEnv) cleanup(want int, args ...string) report.Cleanup {
	e.t.Helper()
	code, out, stderr := e.run(e.t.Context(), "text", append([]string{"cleanup", "--kubeconfig", e.kubeconfig, "--output", "json"}, args...)...)
	if code != want {
		e.t.Fatalf("cleanup %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, want, out, stderr)
	}
	var doc report.Cleanup
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		e.t.Fatalf("cleanup %v: stdout is not JSON: %v\n%s", args, err, out)
	}
	return doc
}

func (e *cleanupEnv) tags(service string) []string {
	e.t.Helper()
	tags, err := image.NewRegistry().Tags(e.t.Context(), image.Repo(e.registry+"/"+service))
	if err != nil {
		e.t.Fatal(err)
	}
	return tags
}

// decisions maps digest → reasons for the kept and the deleted images.
func decisions(doc report.Cleanup) (keep, del map[string]string) {
	keep, del = map[string]string{}, map[string]string{}
	for _, rp := range doc.Repositories {
		for _, d := range rp.Keep {
			keep[d.Digest] = strings.Join(d.Reasons, "; ")
		}
		for _, d := range rp.Delete {
			del[d.Digest] = strings.Join(d.Reasons, "; ")
		}
	}
	return keep, del
}

func lockText(registry string, pins map[string][2]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "registry: %s\nservices:\n", registry)
	for _, s := range slices.Sorted(maps.Keys(pins)) {
		fmt.Fprintf(&b, "  %s:\n    reference: origin/master\n    commit: %s\n    key: k\n    image: %s/%s:%s\n    digest: %s\n",
			s, pins[s][0], registry, s, pins[s][0], pins[s][1])
	}
	return b.String()
}

func TestIntegrationCleanupKeepsWhatIsNeeded(t *testing.T) {
	ns2 := testenv.Cluster(t).Namespace(t)
	e := newCleanupEnv(t, []string{"a", "b"}, "", "")
	e.write("x-platform.yml", strings.Replace(readFile(t, filepath.Join(e.root, "x-platform.yml")), "environments:\n",
		fmt.Sprintf("environments:\n  staging: {namespace: %s}\n  production: {namespace: %s}\n", e.ns, ns2), 1)+
		"cleanup: {releasesPerEnvironment: 1, lockCommits: 1, imagesPerBranch: 1, keep: ['b:hotfix']}\n")
	ra, rb := e.remotes["a"], e.remotes["b"]
	a1 := ra.Head(t, "master")
	ra.Tag(t, "v1", a1)
	a2 := ra.Commit(t, "master", map[string]string{"f": "2"}, "two")
	a3 := ra.Commit(t, "master", map[string]string{"f": "3"}, "three")
	b1 := rb.Head(t, "master")
	e.checkout()

	fake := func(c string) string { return strings.Repeat(c, 40) }
	img := map[string]string{
		"a1": e.pushOld("a", a1, "v1"), "a2": e.pushOld("a", a2, "key-2"), "a3": e.pushOld("a", a3, "master"),
		"aProd": e.pushOld("a", fake("a")), "aGone": e.pushOld("a", fake("b")), "aCache": e.pushOld("a", "buildcache"),
		"b1": e.pushOld("b", b1), "bLock": e.pushOld("b", fake("c")), "bOldLock": e.pushOld("b", fake("d")),
		"bHotfix": e.pushOld("b", "hotfix"),
	}
	img["aGoneSig"] = e.pushOld("a", strings.Replace(img["aGone"], ":", "-", 1)+".sig")
	img["a3Sig"] = e.pushOld("a", strings.Replace(img["a3"], ":", "-", 1)+".sig")
	e.record(e.ns, "staging", 1, release.Deployed, "a", a2, img["a2"])
	e.record(e.ns, "staging", 2, release.Deployed, "a", a3, img["a3"])
	e.record(ns2, "production", 1, release.Deployed, "a", fake("a"), img["aProd"])

	// The platform repository: the older lock pins bOldLock, the newer bLock.
	testenv.RunGit(t, e.root, "init", "--quiet", "--initial-branch=main")
	e.write("x-platform.lock", lockText(e.registry, map[string][2]string{"b": {fake("d"), img["bOldLock"]}}))
	testenv.RunGit(t, e.root, "add", "x-platform.lock")
	testenv.RunGit(t, e.root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "lock 1")
	e.write("x-platform.lock", lockText(e.registry, map[string][2]string{"b": {fake("c"), img["bLock"]}}))
	testenv.RunGit(t, e.root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-am", "lock 2")

	doc := e.cleanup(0)
	keep, del := decisions(doc)
	wantKeep := map[string]string{
		"a1": "git tag v1", "a3": "release 2 of staging (deployed)", "aProd": "release 1 of production (deployed)",
		"aCache": "registry cache", "a3Sig": "belongs to kept image", "b1": "image 1 of the last 1 of branch master",
		"bLock": "x-platform.lock at main", "bHotfix": "keep list: b:hotfix",
	}
	for k, why := range wantKeep {
		if !strings.Contains(keep[img[k]], why) {
			t.Errorf("%s kept for %q, want a reason holding %q (deleted for %q)", k, keep[img[k]], why, del[img[k]])
		}
	}
	for _, k := range []string{"a2", "aGone", "aGoneSig", "bOldLock"} {
		if _, ok := del[img[k]]; !ok {
			t.Errorf("%s not deleted: kept for %q", k, keep[img[k]])
		}
	}
	if len(keep)+len(del) != len(img) || doc.Applied {
		t.Errorf("plan decides %d images (applied %v), want %d in a dry run", len(keep)+len(del), doc.Applied, len(img))
	}
	if got := e.tags("a"); len(got) != 11 {
		t.Errorf("the dry run changed the registry: tags of a %v", got)
	}

	doc = e.cleanup(0, "--apply")
	deleted := 0
	for _, o := range doc.Report.Outcomes {
		if !o.Done || o.Error != "" || o.Kept != "" {
			t.Errorf("outcome %+v, want deleted", o)
		}
		deleted++
	}
	if deleted != 4 || doc.GarbageCollection == "" {
		t.Errorf("deleted %d images (gc hint %q), want 4 and a hint", deleted, doc.GarbageCollection)
	}
	wantA := []string{a1, a3, fake("a"), "buildcache", "master", strings.Replace(img["a3"], ":", "-", 1) + ".sig", "v1"}
	slices.Sort(wantA)
	if got := e.tags("a"); !slices.Equal(got, wantA) {
		t.Errorf("tags of a after apply:\n got %v\nwant %v", got, wantA)
	}
	wantB := []string{b1, fake("c"), "hotfix"}
	slices.Sort(wantB)
	if got := e.tags("b"); !slices.Equal(got, wantB) {
		t.Errorf("tags of b after apply:\n got %v\nwant %v", got, wantB)
	}

	// Idempotent: nothing is left to delete.
	doc = e.cleanup(0, "--apply")
	if _, del := decisions(doc); len(del) != 0 || len(doc.Report.Outcomes) != 0 {
		t.Errorf("second apply: plan deletes %v, report %+v; want nothing", del, doc.Report)
	}
}

// deadKubeconfig writes the cluster's kubeconfig with a second context,
// "dead", whose server nothing listens on.
func (e *cleanupEnv) deadKubeconfig(t *testing.T) string {
	cfg, err := clientcmd.LoadFromFile(e.env.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Clusters["dead"] = &clientcmdapi.Cluster{Server: fmt.Sprintf("https://127.0.0.1:%d", closedPort(t))}
	cfg.AuthInfos["dead"] = &clientcmdapi.AuthInfo{Token: "t"}
	cfg.Contexts["dead"] = &clientcmdapi.Context{Cluster: "dead", AuthInfo: "dead"}
	path := filepath.Join(e.root, "kubeconfig-two")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestIntegrationCleanupUnreachableEnvironment(t *testing.T) {
	e := newCleanupEnv(t, []string{"a"}, "", "")
	e.write("x-platform.yml", strings.Replace(readFile(t, filepath.Join(e.root, "x-platform.yml")), "environments:\n",
		fmt.Sprintf("environments:\n  staging: {namespace: %s}\n  production: {context: dead}\n", e.ns), 1))
	e.kubeconfig = e.deadKubeconfig(t)
	e.checkout()
	head := e.remotes["a"].Head(t, "master")
	e.pushOld("a", head)
	gone := e.pushOld("a", strings.Repeat("e", 40))

	for _, args := range [][]string{nil, {"--apply"}} {
		doc := e.cleanup(1, args...)
		if len(doc.Unreachable) != 1 || doc.Unreachable[0].Env != "production" {
			t.Errorf("cleanup %v: unreachable %+v, want production", args, doc.Unreachable)
		}
		if r := doc.Repositories[0].Refused; !strings.Contains(r, "environment production could not be read") || !strings.Contains(r, "--skip-unreachable") {
			t.Errorf("cleanup %v: refused %q, want it to name production and --skip-unreachable", args, r)
		}
		if got := e.tags("a"); len(got) != 2 {
			t.Fatalf("cleanup %v deleted while an environment is unreadable: tags %v", args, got)
		}
	}

	doc := e.cleanup(0, "--apply", "--skip-unreachable")
	if !slices.ContainsFunc(doc.Notes, func(n string) bool { return strings.Contains(n, "environment production was skipped") }) {
		t.Errorf("notes %q, want one saying production was skipped", doc.Notes)
	}
	if len(doc.Report.Outcomes) != 1 || doc.Report.Outcomes[0].Digest != gone || !doc.Report.Outcomes[0].Done {
		t.Errorf("outcomes %+v, want %s deleted", doc.Report.Outcomes, gone)
	}
	if got := e.tags("a"); !slices.Equal(got, []string{head}) {
		t.Errorf("tags after apply: %v, want only %s", got, head)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
