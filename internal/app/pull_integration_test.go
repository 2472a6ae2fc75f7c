package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker/client"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// newStackPlatform is zbackend and zfrontend, whose image is made FROM
// zbackend's exact image ({{ image "zbackend" }}).
func newStackPlatform(t *testing.T) *platform {
	p := newPlatform(t, "zbackend")
	p.remotes["zfrontend"] = testenv.NewRemote(t, map[string]string{
		"Dockerfile": "ARG BACKEND\nFROM ${BACKEND}\nCOPY out.txt /front.txt\n",
		".gitignore": "out.txt\n",
	})
	p.writeManifest(func(name string, svc map[string]string) {
		if name == "zfrontend" {
			svc["buildArgs"] = p.baseArgs(fmt.Sprintf("BACKEND: %q", `{{ image "zbackend" }}`))
		}
	})
	return p
}

// freshAgent is another machine's platform folder with the same manifest,
// top lines added: no checkouts, no record of earlier runs.
func (p *platform) freshAgent(t *testing.T, top string) *platform {
	agent := *p
	agent.root = t.TempDir()
	m, err := os.ReadFile(filepath.Join(p.root, "x-platform.yml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(agent.root, "x-platform.yml"), top+string(m))
	return &agent
}

// local says whether the engine has ref.
func (p *platform) local(t *testing.T, ref string) bool {
	t.Helper()
	_, err := p.docker.ImageInspect(t.Context(), ref)
	if err != nil && !client.IsErrNotFound(err) {
		t.Fatalf("inspecting %s: %v", ref, err)
	}
	return err == nil
}

// TestIntegrationBuildFindsWithoutPulling: on a fresh agent whose engine has
// none of the images, an image the registry has for the commit is found and
// left there, its tags completed registry-side; the dependent service that
// must be built builds FROM it all the same. --pull, XP_PULL and the
// manifest's pull: bring it into the engine.
func TestIntegrationBuildFindsWithoutPulling(t *testing.T) {
	p := newStackPlatform(t)
	first := p.build(ExitOK)
	back := first["zbackend"]
	if back.Action != report.ActionBuilt || first["zfrontend"].Action != report.ActionBuilt {
		t.Fatalf("first build = %+v", first)
	}

	// Another machine moved the branch tag elsewhere; this one's engine has
	// none of the images, and zfrontend has a new commit to build.
	stray, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	branch, err := name.ParseReference(p.ref("zbackend", "master"), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(branch, stray, remote.WithContext(t.Context())); err != nil {
		t.Fatal(err)
	}
	p.removeImages()
	frontSHA := p.remotes["zfrontend"].Commit(t, "master", map[string]string{"page.html": "<p>new</p>\n"}, "new page")
	agent := p.freshAgent(t, "")

	got := agent.build(ExitOK)
	r := got["zbackend"]
	if r.Action != report.ActionFound || r.Digest != back.Digest || r.Commit != back.Commit || r.Image != back.Image {
		t.Fatalf("zbackend on a fresh agent = %+v, want found at %s", r, back.Digest)
	}
	if p.local(t, back.Image) {
		t.Fatalf("a found image %s was pulled into the engine", back.Image)
	}
	for _, tag := range []string{back.Commit, "key-" + back.Key, "master"} {
		if d := p.remoteDigest(t, p.ref("zbackend", tag)); d != back.Digest {
			t.Errorf("registry tag %s = %q, want %s", tag, d, back.Digest)
		}
	}
	if stderr := agent.stderrs[len(agent.stderrs)-1]; strings.Contains(stderr, "pulling "+back.Image) {
		t.Errorf("a found image was pulled:\n%s", stderr)
	}
	front := got["zfrontend"]
	if front.Action != report.ActionBuilt || front.Commit != frontSHA {
		t.Fatalf("zfrontend after its commit = %+v, want built at %s", front, frontSHA)
	}
	if got := p.fileInImage(front.Image, "/out.txt"); got != "built-"+back.Commit {
		t.Fatalf("zfrontend's image has zbackend's /out.txt = %q, want built-%s", got, back.Commit)
	}
	if got := p.fileInImage(front.Image, "/front.txt"); got != "built-"+frontSHA {
		t.Fatalf("zfrontend's /front.txt = %q", got)
	}
	if p.local(t, back.Image) {
		t.Fatalf("zfrontend's build left %s in the engine", back.Image)
	}

	// The old way, asked for three ways: the engine gets the image.
	for _, ask := range []struct {
		name string
		args []string
		env  string
		top  string
	}{
		{name: "--pull", args: []string{"--pull"}},
		{name: "XP_PULL", env: "true"},
		{name: "pull: true", top: "pull: true\n"},
	} {
		t.Run(ask.name, func(t *testing.T) {
			p.removeImages()
			if ask.env != "" {
				t.Setenv("XP_PULL", ask.env)
			}
			fresh := p.freshAgent(t, ask.top)
			got := fresh.build(ExitOK, ask.args...)
			for _, n := range []string{"zbackend", "zfrontend"} {
				if r := got[n]; r.Action != report.ActionPulled || !p.local(t, r.Image) {
					t.Fatalf("%s with %s = %+v, local %v; want pulled into the engine", n, ask.name, r, p.local(t, r.Image))
				}
			}
			if r := got["zbackend"]; r.Digest != back.Digest {
				t.Fatalf("zbackend pulled %s, want %s", r.Digest, back.Digest)
			}
		})
	}
}

// TestIntegrationPlanSaysFound: plan says found where build would find the
// commit's image, and pulled when asked to pull; it pulls nothing itself.
func TestIntegrationPlanSaysFound(t *testing.T) {
	p := newPlatform(t, "svc")
	built := p.build(ExitOK)["svc"]
	p.removeImages()
	agent := p.freshAgent(t, "")
	for _, tt := range []struct {
		args []string
		want report.Action
	}{{nil, report.ActionFound}, {[]string{"--pull"}, report.ActionPulled}} {
		code, rep, stderr := agent.run(t.Context(), append([]string{"plan"}, tt.args...)...)
		r := byService(rep)["svc"]
		if code != ExitOK || r.Action != tt.want || r.Digest != built.Digest {
			t.Fatalf("plan %v: exit %d, %+v; want %s at %s\n%s", tt.args, code, r, tt.want, built.Digest, stderr)
		}
	}
	if p.local(t, built.Image) {
		t.Fatal("plan pulled the image")
	}
	if _, err := os.Stat(filepath.Join(agent.root, "src/svc")); !os.IsNotExist(err) {
		t.Fatalf("plan made a checkout: %v", err)
	}
}

// TestIntegrationLockedImageGoneFromRegistry: build --locked on an engine
// without the locked image, whose digest the registry no longer has, fails
// the service and says to lock images that exist.
func TestIntegrationLockedImageGoneFromRegistry(t *testing.T) {
	p := newPlatform(t, "svc")
	built := p.build(ExitOK)["svc"]
	if code, _, stderr := p.run(t.Context(), "lock"); code != ExitOK {
		t.Fatalf("lock: exit %d\n%s", code, stderr)
	}
	p.removeImages()
	byDigest, err := name.ParseReference(p.registry+"/svc@"+built.Digest, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Delete(byDigest, remote.WithContext(t.Context())); err != nil {
		t.Fatal(err)
	}
	r := p.build(ExitFailed, "--locked")["svc"]
	if r.Action != report.ActionFailed || !strings.Contains(r.Error, "no longer has the locked image") || !strings.Contains(r.Error, "x-platform lock") {
		t.Fatalf("--locked with the image deleted = %+v", r)
	}
}
