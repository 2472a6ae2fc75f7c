package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/redact"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// TestIntegrationBuildSendsOnlyTheCommit builds a service whose checkout
// holds an ignored .env, whose script tries to rewrite .git/config and read
// the .env, and whose Dockerfile and script read a secret: the image is
// made from the commit alone, the checkout is untouched, and the secret is
// in no image config, history, label, log or report.
func TestIntegrationBuildSendsOnlyTheCommit(t *testing.T) {
	const secret = "xp-s3cret-value-0451"
	t.Setenv("XP_TEST_TOKEN", secret)
	p := newPlatform(t, "svc")
	p.remotes["svc"].Commit(t, "master", map[string]string{
		".gitignore": "out.txt\n.env\n",
		"Dockerfile": "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY . /app/\n" +
			"RUN --mount=type=secret,id=token test -s /run/secrets/token && echo secret-seen > /app/seen\n",
	}, "copy the whole context")
	p.writeManifest(func(_ string, svc map[string]string) {
		svc["build"] = `["echo built-$XP_COMMIT > out.txt", "test ! -e .git", "test ! -e .env", "cat /run/secrets/token", "echo '[core] fsmonitor = evil' >> .git-config-attempt"]`
		svc["secrets"] = `[{id: token, env: XP_TEST_TOKEN}]`
	})
	p.build(ExitOK) // the checkout exists now
	writeFile(t, filepath.Join(p.root, "src/svc/.env"), "DB_PASSWORD=from-the-laptop\n")
	gitConfig, err := os.ReadFile(filepath.Join(p.root, "src/svc/.git/config"))
	if err != nil {
		t.Fatal(err)
	}
	p.remotes["svc"].Commit(t, "master", map[string]string{"README.md": "again\n"}, "rebuild")
	code, out, stderr := p.runOutput(t.Context(), "json", "build", "--explain")
	if code != ExitOK {
		t.Fatalf("build: exit %d\n%s", code, stderr)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Services[0].Action != report.ActionBuilt {
		t.Fatalf("report %s: %v", out, err)
	}
	ref := rep.Services[0].Image
	if got := p.fileInImage(ref, "/app/seen"); strings.TrimSpace(got) != "secret-seen" {
		t.Fatalf("the Dockerfile did not read the secret: %q", got)
	}
	if got := p.fileInImage(ref, "/app/.env"); got != "" {
		t.Fatalf("the ignored .env reached the image: %q", got)
	}
	if after, _ := os.ReadFile(filepath.Join(p.root, "src/svc/.git/config")); string(after) != string(gitConfig) {
		t.Fatal("the checkout's .git/config changed")
	}
	hist, err := p.docker.ImageHistory(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	inspect, err := p.docker.ImageInspect(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	config, _ := json.Marshal(inspect)
	history, _ := json.Marshal(hist)
	for what, text := range map[string]string{"stderr": stderr, "report": out, "image config": string(config), "history": string(history)} {
		if strings.Contains(text, secret) {
			t.Errorf("the secret's value is in the %s", what)
		}
	}
	if !strings.Contains(stderr, redact.Mask) {
		t.Errorf("the script's echo of the secret is not masked in the log:\n%s", stderr)
	}
}

// TestIntegrationBuildCacheMountAndReports: a cache folder the manifest
// declares outlives a build, and the report the tests write reaches the host.
func TestIntegrationBuildCacheMountAndReports(t *testing.T) {
	p := newPlatform(t, "svc")
	p.writeManifest(func(_ string, svc map[string]string) {
		svc["build"] = `["n=$(cat /cache/xp/n 2>/dev/null || echo 0); echo $((n+1)) > /cache/xp/n; cp /cache/xp/n out.txt"]`
		svc["test"] = `["mkdir -p reports && echo '<testsuite name=\"svc\"/>' > reports/junit.xml"]`
		svc["caches"] = `[/cache/xp]`
		svc["reports"] = `[reports/junit.xml]`
	})
	first := p.build(ExitOK)["svc"]
	p.remotes["svc"].Commit(t, "master", map[string]string{"README.md": "again\n"}, "rebuild")
	second := p.build(ExitOK)["svc"]
	a := strings.TrimSpace(p.fileInImage(first.Image, "/out.txt"))
	b := strings.TrimSpace(p.fileInImage(second.Image, "/out.txt"))
	if a == "" || b == "" || a == b {
		t.Fatalf("the cache folder did not outlive the first build: counts %q then %q", a, b)
	}
	report, err := os.ReadFile(filepath.Join(p.root, ".x-platform/reports/svc/reports/junit.xml"))
	if err != nil || !strings.Contains(string(report), `<testsuite name="svc"/>`) {
		t.Fatalf("the report on the host: %q, %v", report, err)
	}
}

// TestIntegrationBuildOnBuildkitDaemon builds on a standalone buildkitd
// named with --builder: the builder comes from the registry, the daemon
// pushes by digest, and the <sha>, key- and branch tags follow. A builder
// that names no registry is refused before anything is built.
func TestIntegrationBuildOnBuildkitDaemon(t *testing.T) {
	p := newPlatform(t, "svc")
	reg := strings.SplitN(p.registry, "/", 2)[0]
	p.base = testenv.PushBaseImage(t, reg)
	p.writeManifest(nil)
	d := testenv.StartBuildkitd(t, testenv.BuildkitdOptions{InsecureRegistries: []string{reg}})
	code, rep, stderr := p.run(t.Context(), "build", "--builder", d.Addr)
	if code != ExitOK || rep.Services[0].Action != report.ActionBuilt {
		t.Fatalf("build on %s: exit %d %+v\n%s", d.Addr, code, rep.Services, stderr)
	}
	r := rep.Services[0]
	for _, tag := range []string{r.Commit, "key-" + r.Key, "master"} {
		if got := p.remoteDigest(t, p.ref("svc", tag)); got != r.Digest {
			t.Errorf("%s = %q, want %s", tag, got, r.Digest)
		}
	}
	t.Setenv("XP_BUILDERS", d.Addr)
	p.writeManifest(func(_ string, svc map[string]string) { svc["builder"] = testenv.BaseImage(t) })
	p.remotes["svc"].Commit(t, "master", map[string]string{"README.md": "again\n"}, "rebuild")
	code, _, stderr = p.run(t.Context(), "build")
	if code != ExitUsage || !strings.Contains(stderr, "names no registry") {
		t.Fatalf("a local-only builder on a daemon: exit %d\n%s", code, stderr)
	}
}
