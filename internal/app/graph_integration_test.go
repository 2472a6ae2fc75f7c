package app

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// zbackend is built FROM zfrontend's image; zgateway copies files out of
// zbackend's image in a multi-stage build. Both record the image they were
// given in a label.
const (
	backendDockerfile = "ARG DEP\nFROM ${DEP}\nARG DEP\nLABEL test.from=\"${DEP}\"\nCOPY out.txt /zbackend.txt\n"
	gatewayDockerfile = "ARG DEP\nARG BASE_IMAGE\nFROM ${DEP} AS dep\nFROM ${BASE_IMAGE}\nARG DEP\nLABEL test.from=\"${DEP}\"\n" +
		"COPY --from=dep /zbackend.txt /from-zbackend.txt\nCOPY --from=dep /out.txt /from-zfrontend.txt\nCOPY out.txt /out.txt\n"
)

// newChain makes the chain zfrontend → zbackend → zgateway, plus independent
// services named by others.
func newChain(t *testing.T, others ...string) *platform {
	t.Helper()
	p := newPlatform(t, append([]string{"zfrontend", "zbackend", "zgateway"}, others...)...)
	p.remotes["zbackend"].Commit(t, "master", map[string]string{"Dockerfile": backendDockerfile}, "build from zfrontend")
	p.remotes["zgateway"].Commit(t, "master", map[string]string{"Dockerfile": gatewayDockerfile}, "copy from zbackend")
	p.writeManifest(func(name string, svc map[string]string) {
		if dep := map[string]string{"zbackend": "zfrontend", "zgateway": "zbackend"}[name]; dep != "" {
			svc["buildArgs"] = p.baseArgs(fmt.Sprintf("DEP: %q", `{{ image "`+dep+`" }}`))
		}
	})
	return p
}

func TestIntegrationImageChainPassesDigests(t *testing.T) {
	p := newChain(t)
	got := p.build(ExitOK, "--jobs", "4")
	sha := map[string]string{}
	for _, name := range []string{"zfrontend", "zbackend", "zgateway"} {
		sha[name] = p.remotes[name].Head(t, "master")
		if r := got[name]; r.Action != report.ActionBuilt || r.Commit != sha[name] {
			t.Fatalf("%s = %+v, want built at %s", name, r, sha[name])
		}
	}
	for consumer, dep := range map[string]string{"zbackend": "zfrontend", "zgateway": "zbackend"} {
		pushed, err := image.NewRegistry().Digest(t.Context(), image.Cut(p.ref(dep, sha[dep])))
		if err != nil || pushed != got[dep].Digest {
			t.Fatalf("registry digest of %s = %q, %v; report says %s", dep, pushed, err, got[dep].Digest)
		}
		want := p.registry + "/" + dep + "@" + pushed
		if from := p.labels(got[consumer].Image)["test.from"]; from != want {
			t.Fatalf("%s was given %q, want %q", consumer, from, want)
		}
		if deps := p.labels(got[consumer].Image)["io.x-platform.key.deps"]; !strings.Contains(deps, pushed) {
			t.Fatalf("%s's key does not cover %s's digest: %s", consumer, dep, deps)
		}
	}
	files := map[string]string{
		"zbackend /out.txt":            "built-" + sha["zfrontend"],
		"zbackend /zbackend.txt":       "built-" + sha["zbackend"],
		"zgateway /from-zfrontend.txt": "built-" + sha["zfrontend"],
		"zgateway /from-zbackend.txt":  "built-" + sha["zbackend"],
		"zgateway /out.txt":            "built-" + sha["zgateway"],
	}
	for where, want := range files {
		name, path, _ := strings.Cut(where, " ")
		if got := p.fileInImage(got[name].Image, path); got != want {
			t.Errorf("%s = %q, want %q", where, got, want)
		}
	}
}

func TestIntegrationChangedDependencyRebuildsConsumers(t *testing.T) {
	p := newChain(t, "zother")
	first := p.build(ExitOK)
	reg := image.NewRegistry()

	sha := p.remotes["zfrontend"].Commit(t, "master", map[string]string{"app.js": "v2\n"}, "change zfrontend")
	second := p.build(ExitOK)
	if r := second["zfrontend"]; r.Action != report.ActionBuilt || r.Commit != sha {
		t.Fatalf("zfrontend = %+v, want built at %s", r, sha)
	}
	for consumer, dep := range map[string]string{"zbackend": "zfrontend", "zgateway": "zbackend"} {
		r := second[consumer]
		if r.Action != report.ActionBuilt || r.Commit != first[consumer].Commit || r.Digest == first[consumer].Digest ||
			!strings.Contains(r.Reason, "dependency "+dep+" changed") {
			t.Fatalf("%s = %+v, want rebuilt at the same commit because %s changed", consumer, r, dep)
		}
		if d, err := reg.Digest(t.Context(), image.Cut(r.Image)); err != nil || d != r.Digest {
			t.Fatalf("registry %s = %q, %v; want the rebuilt %s", r.Image, d, err, r.Digest)
		}
	}
	if r := second["zother"]; r.Action != report.ActionPresent || r.Digest != first["zother"].Digest {
		t.Fatalf("unrelated zother = %+v, want present", r)
	}

	// Selecting the consumer brings its dependency up to date first, and
	// leaves the consumer's own consumer alone.
	sha = p.remotes["zfrontend"].Commit(t, "master", map[string]string{"app.js": "v3\n"}, "change zfrontend again")
	code, rep, stderr := p.run(t.Context(), "build", "--services", "zbackend")
	if code != ExitOK || len(rep.Services) != 2 || rep.Services[0].Name != "zfrontend" || rep.Services[1].Name != "zbackend" {
		t.Fatalf("build --services zbackend: exit %d, %+v\n%s", code, rep.Services, stderr)
	}
	if r := rep.Services[0]; r.Action != report.ActionBuilt || r.Commit != sha {
		t.Fatalf("zfrontend = %+v, want built at %s", r, sha)
	}
	if r := rep.Services[1]; r.Action != report.ActionBuilt || !strings.Contains(r.Reason, "dependency zfrontend changed") {
		t.Fatalf("zbackend = %+v, want rebuilt on the new zfrontend", r)
	}
	gw := second["zgateway"]
	if d, err := reg.Digest(t.Context(), image.Cut(gw.Image)); err != nil || d != gw.Digest {
		t.Fatalf("zgateway was touched: registry %s = %q, %v; want %s", gw.Image, d, err, gw.Digest)
	}
}

func TestIntegrationBuilderRefreshRebuildsItsServices(t *testing.T) {
	p := newPlatform(t, "zone", "ztwo", "zthree")
	builder := func(name string) string { return p.registry + "/builders/" + name + ":newest" }
	for _, name := range []string{"toola", "toolb"} {
		writeFile(t, filepath.Join(p.root, "builders", name, "Dockerfile"),
			"ARG BASE_IMAGE="+p.base+"\nFROM ${BASE_IMAGE}\nARG VERSION=v1\nRUN echo $VERSION > /builder-version\n")
	}
	p.writeManifest(func(name string, svc map[string]string) {
		svc["builder"] = builder(map[string]string{"zone": "toola", "ztwo": "toola", "zthree": "toolb"}[name])
		svc["build"] = `["cat /builder-version > out.txt"]`
		svc["test"] = `["grep -q v out.txt"]`
	})
	first := p.build(ExitOK)

	if code, _, stderr := p.run(t.Context(), "update-builder", "--build-arg", "VERSION=v2", "toola"); code != ExitOK {
		t.Fatalf("update-builder: exit %d\n%s", code, stderr)
	}
	info, err := p.docker.ImageInspect(t.Context(), builder("toola"))
	if err != nil {
		t.Fatal(err)
	}
	newID := strings.TrimPrefix(info.ID, "sha256:")[:12]
	second := p.build(ExitOK)
	for _, name := range []string{"zone", "ztwo"} {
		r := second[name]
		if r.Action != report.ActionBuilt || r.Commit != first[name].Commit || !strings.Contains(r.Reason, "builder image changed") ||
			!strings.Contains(r.Reason, newID) {
			t.Fatalf("%s = %+v, want rebuilt because its builder became %s", name, r, newID)
		}
		if got := p.fileInImage(r.Image, "/out.txt"); got != "v2" {
			t.Fatalf("%s was built with builder %q", name, got)
		}
	}
	if r := second["zthree"]; r.Action != report.ActionPresent || r.Digest != first["zthree"].Digest {
		t.Fatalf("zthree on another builder = %+v, want present", r)
	}
}

// newMonorepo makes services api and web from services/api and services/web
// of one repository; their build scripts log each run in runs.log.
func newMonorepo(t *testing.T) (*platform, *testenv.Remote) {
	t.Helper()
	p := newPlatform(t)
	df := serviceFiles("")["Dockerfile"]
	mono := testenv.NewRemote(t, map[string]string{
		".gitignore":              "out.txt\nruns.log\n",
		"README.md":               "mono\n",
		"services/api/Dockerfile": df,
		"services/api/main.go":    "package main\n",
		"services/web/Dockerfile": df,
		"services/web/index.html": "v1\n",
	})
	p.remotes["api"], p.remotes["web"] = mono, mono
	p.writeManifest(func(name string, svc map[string]string) {
		svc["dir"], svc["path"] = "src/mono", "services/"+name
		svc["build"] = `["echo $XP_COMMIT >> runs.log", "echo built-$XP_COMMIT > out.txt"]`
	})
	return p, mono
}

// runs counts the runs of a monorepo service's first build line, as the
// BuildKit progress of every build so far showed them: a step that ran ends
// with DONE, one taken from the cache says CACHED.
func (p *platform) runs(service string) int {
	p.t.Helper()
	step := regexp.MustCompile(`(?m)^` + service + ` \| (#\d+) ` + service + ` build 1/2: `)
	n := 0
	for _, log := range p.stderrs {
		for _, m := range step.FindAllStringSubmatch(log, -1) {
			if strings.Contains(log, service+" | "+m[1]+" DONE") {
				n++
			}
		}
	}
	return n
}

func TestIntegrationDocsOnlyCommitReusesByKey(t *testing.T) {
	p, mono := newMonorepo(t)
	first := p.build(ExitOK)
	sha := mono.Commit(t, "master", map[string]string{"README.md": "more words\n", "docs/guide.md": "# Guide\n"}, "docs only")
	second := p.build(ExitOK)
	reg := image.NewRegistry()
	for _, name := range []string{"api", "web"} {
		r, was := second[name], first[name]
		if r.Action != report.ActionReused || r.Commit != sha || r.Digest != was.Digest || r.Key != was.Key ||
			!strings.Contains(r.Reason, "commit "+was.Commit[:12]) {
			t.Fatalf("%s after a docs-only commit = %+v, want reused from %s", name, r, was.Commit)
		}
		for _, tag := range []string{sha, "master"} {
			if d, err := reg.Digest(t.Context(), image.Cut(p.ref(name, tag))); err != nil || d != was.Digest {
				t.Fatalf("registry %s = %q, %v; want %s", p.ref(name, tag), d, err, was.Digest)
			}
		}
		if _, err := p.docker.ImageInspect(t.Context(), p.ref(name, sha)); err != nil {
			t.Fatalf("%s not tagged in the engine: %v", name, err)
		}
		if n := p.runs(name); n != 1 {
			t.Fatalf("%s's build script ran %d times, want once", name, n)
		}
	}
}

func TestIntegrationMonorepoSubfolderIsolation(t *testing.T) {
	p, mono := newMonorepo(t)
	first := p.build(ExitOK)
	sha := mono.Commit(t, "master", map[string]string{"services/web/index.html": "v2\n"}, "change web")
	second := p.build(ExitOK)
	if r := second["web"]; r.Action != report.ActionBuilt || r.Commit != sha || p.fileInImage(r.Image, "/out.txt") != "built-"+sha {
		t.Fatalf("web after its change = %+v, want built at %s", r, sha)
	}
	if r := second["api"]; r.Action != report.ActionReused || r.Commit != sha || r.Digest != first["api"].Digest {
		t.Fatalf("api after web's change = %+v, want reused", r)
	}
	if api, web := p.runs("api"), p.runs("web"); api != 1 || web != 2 {
		t.Fatalf("build scripts ran api %d, web %d times; want 1 and 2", api, web)
	}
	clones, err := filepath.Glob(filepath.Join(p.root, "src", "*", ".git"))
	if err != nil || len(clones) != 1 || clones[0] != filepath.Join(p.root, "src/mono/.git") {
		t.Fatalf("clones = %v, %v; want src/mono only", clones, err)
	}
}

func TestIntegrationDependencyCycleIsAManifestError(t *testing.T) {
	p := newPlatform(t, "a", "b")
	p.writeManifest(func(name string, svc map[string]string) {
		other := map[string]string{"a": "b", "b": "a"}[name]
		svc["buildArgs"] = p.baseArgs(fmt.Sprintf("DEP: %q", `{{ image "`+other+`" }}`))
	})
	text, err := os.ReadFile(filepath.Join(p.root, "x-platform.yml"))
	if err != nil {
		t.Fatal(err)
	}
	// b's reference to a closes the cycle that starts at a.
	var at string
	for i, line := range strings.Split(string(text), "\n") {
		if col := strings.Index(line, `"{{ image \"a\" }}"`); col >= 0 {
			at = fmt.Sprintf("x-platform.yml:%d:%d: ", i+1, col+1)
		}
	}
	if at == "" {
		t.Fatalf("no reference to a in the manifest:\n%s", text)
	}
	code, _, stderr := p.run(t.Context(), "build")
	if code != ExitUsage || !strings.Contains(stderr, at+"services.b.docker.buildArgs: dependency cycle: a → b → a") {
		t.Fatalf("build with a cycle: exit %d, want %d and the cycle at %s\n%s", code, ExitUsage, at, stderr)
	}
	if _, err := os.Stat(filepath.Join(p.root, "src")); !os.IsNotExist(err) {
		t.Fatalf("a manifest with a cycle synced something: %v", err)
	}
}

func TestIntegrationExplainSaysWhichInputChanged(t *testing.T) {
	p := newPlatform(t, "zargs", "zsame", "zscripts")
	explain := func() string {
		t.Helper()
		code, out, stderr := p.runOutput(t.Context(), "text", "build", "--explain")
		if code != ExitOK {
			t.Fatalf("build --explain: exit %d\n%s", code, stderr)
		}
		return out
	}
	out := explain()
	for _, name := range []string{"zargs", "zsame", "zscripts"} {
		if !strings.Contains(out, "\n"+name+" built: no image has these inputs yet\n") {
			t.Fatalf("first build does not explain %s:\n%s", name, out)
		}
	}
	p.writeManifest(func(name string, svc map[string]string) {
		switch name {
		case "zargs":
			svc["buildArgs"] = p.baseArgs("EXTRA: on")
		case "zscripts":
			svc["build"] = `["echo built-again-$XP_COMMIT > out.txt"]`
		}
	})
	out = explain()
	for _, want := range []string{
		"\nzargs built: the commit's image is stale; build args changed (",
		"\nzscripts built: the commit's image is stale; build or test scripts or their environment changed (",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("text output lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "zsame" && f[1] != "present" {
			t.Fatalf("unchanged zsame is not just present:\n%s", out)
		}
	}
	if strings.Contains(out, "zsame present:") || !strings.Contains(out, "SERVICE") {
		t.Fatalf("no table, or a reason for unchanged zsame:\n%s", out)
	}
}
