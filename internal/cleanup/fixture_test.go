package cleanup

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"k8s.io/client-go/kubernetes"

	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopCluster()
	os.Exit(code)
}

// fixture is a platform folder with one service "a" whose remote and
// checkout are real, its images in a real registry and its releases in a
// real cluster's namespace, environment "staging".
type fixture struct {
	t        *testing.T
	root     string
	registry string // host/prefix
	remote   *testenv.Remote
	cs       kubernetes.Interface
	ns       string
	kube     string // kubeconfig
	reg      *image.Registry
}

func newFixture(t *testing.T, cleanupSection string) *fixture {
	t.Helper()
	// The cluster's programs are cached under the real HOME.
	cl := testenv.Cluster(t)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	f := &fixture{
		t: t, root: t.TempDir(), registry: testenv.Registry(t) + "/" + testenv.UniqueName(t, "x"),
		remote: testenv.NewRemote(t, map[string]string{"README.md": "a\n"}),
		cs:     cl.Clientset(t), ns: cl.Namespace(t), kube: cl.Kubeconfig, reg: image.NewRegistry(),
	}
	f.forgetRecords(f.ns)
	manifestText := fmt.Sprintf(`registry: %s
services:
  a:
    dir: src/a
    git: {remote: %s, reference: origin/master}
    dockerBuilder: {image: busybox, workdir: /src}
    docker: {image: a}
environments:
  staging: {namespace: %s}
%s`, f.registry, f.remote.URL, f.ns, cleanupSection)
	if err := os.WriteFile(filepath.Join(f.root, "x-platform.yml"), []byte(manifestText), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) manifest() *manifest.Manifest {
	f.t.Helper()
	m, err := manifest.Load(filepath.Join(f.root, "x-platform.yml"))
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

// sync checks the service out, as x-platform sync does.
func (f *fixture) sync() {
	f.t.Helper()
	_, err := gitsync.Sync(f.t.Context(), gitsync.Request{Remote: f.remote.URL, Dir: filepath.Join(f.root, "src", "a"), Reference: "origin/master"})
	if err != nil {
		f.t.Fatal(err)
	}
}

// push writes a random image built at created under tags of repository a.
func (f *fixture) push(created time.Time, tags ...string) string {
	f.t.Helper()
	img, err := random.Image(128, 1)
	if err != nil {
		f.t.Fatal(err)
	}
	if img, err = mutate.CreatedAt(img, v1.Time{Time: created}); err != nil {
		f.t.Fatal(err)
	}
	for _, tag := range tags {
		ref, err := name.NewTag(f.registry + "/a:" + tag)
		if err != nil {
			f.t.Fatal(err)
		}
		if err := remote.Write(ref, img, remote.WithContext(f.t.Context())); err != nil {
			f.t.Fatal(err)
		}
	}
	d, _ := img.Digest()
	return d.String()
}

// record writes a release record of staging naming image a:<tag>@digest.
func (f *fixture) record(revision int, status release.Status, tag, digest string) {
	f.t.Helper()
	store := &release.Store{Secrets: f.cs.CoreV1().Secrets(f.ns), Env: "staging"}
	r := &release.Record{Env: "staging", Revision: revision, Status: status, Time: time.Now(),
		Services: []release.Service{{Name: "a", Commit: tag, Image: image.Cut(f.registry + "/a:" + tag), Digest: digest}}}
	if err := store.Create(f.t.Context(), r); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) options() Options {
	m := f.manifest()
	return Options{
		Manifest: m, Services: m.Services, Registry: f.reg,
		Connect: KubeConnect(m, f.kube), Fetch: gitsync.Fetch,
	}
}

// tags lists repository a's tags now.
func (f *fixture) tags() string {
	f.t.Helper()
	tags, err := f.reg.Tags(f.t.Context(), image.Repo(f.registry+"/a"))
	if err != nil {
		f.t.Fatal(err)
	}
	return strings.Join(tags, " ")
}

func old() time.Time { return time.Now().Add(-100 * 24 * time.Hour) }
