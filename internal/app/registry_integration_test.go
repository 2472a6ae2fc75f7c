package app

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/registry"
	"github.com/docker/docker/pkg/jsonmessage"

	xpimage "github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// secureSetup is a platform whose images go to one TLS registry with a
// private CA (credentials from `docker login`) and whose builder image
// comes from another (credentials from a credential helper), both trusted
// through /etc/docker/certs.d as users trust them.
type secureSetup struct {
	p              *platform
	push, builders *testenv.SecureRegistry
	builder        string
	helperGets     func() []string
}

func newSecureSetup(t *testing.T) *secureSetup {
	t.Helper()
	s := &secureSetup{
		p:        newPlatform(t, "svc"),
		push:     testenv.NewSecureRegistry(t),
		builders: testenv.NewSecureRegistry(t),
	}
	s.push.TrustInDocker(t)
	s.builders.TrustInDocker(t)
	// The binary finds the trust where Docker does.
	t.Setenv(xpimage.CertsDirsEnv, "")
	os.Unsetenv(xpimage.CertsDirsEnv)
	t.Setenv(xpimage.CredentialsDirEnv, "")
	t.Setenv("SSL_CERT_FILE", "")
	testenv.DockerConfig(t, nil, map[string]string{s.builders.Addr: testenv.HelperName})
	s.helperGets = testenv.CredentialHelper(t, map[string][2]string{s.builders.Addr: {s.builders.User, s.builders.Password}})
	dockerLogin(t, s.push)

	s.builder = s.builders.Addr + "/builders/busybox:1"
	s.pushBuilder(t)
	s.p.registry = s.push.Addr + "/" + testenv.UniqueName(t, "x")
	s.p.writeManifest(func(_ string, svc map[string]string) { svc["builder"] = s.builder })
	return s
}

// dockerLogin logs in with the real docker CLI, which stores the
// credentials in the test's DOCKER_CONFIG.
func dockerLogin(t *testing.T, reg *testenv.SecureRegistry) {
	t.Helper()
	login := exec.Command("docker", "login", "--username", reg.User, "--password-stdin", reg.Addr)
	login.Stdin = strings.NewReader(reg.Password)
	if out, err := login.CombinedOutput(); err != nil {
		t.Fatalf("docker login %s: %v\n%s", reg.Addr, err, out)
	}
}

// pushBuilder puts the base image into the builders registry under
// s.builder and removes it locally, so the build has to pull it.
func (s *secureSetup) pushBuilder(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	cli := s.p.docker
	if err := cli.ImageTag(ctx, s.p.base, s.builder); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = cli.ImageRemove(context.Background(), s.builder, image.RemoveOptions{Force: true})
	})
	auth, err := registry.EncodeAuthConfig(registry.AuthConfig{Username: s.builders.User, Password: s.builders.Password})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := cli.ImagePush(ctx, s.builder, image.PushOptions{RegistryAuth: auth})
	if err != nil {
		t.Fatalf("pushing %s: %v", s.builder, err)
	}
	defer rc.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil); err != nil {
		t.Fatalf("pushing %s: %v", s.builder, err)
	}
	if _, err := cli.ImageRemove(ctx, s.builder, image.RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestIntegrationBuildTLSRegistriesWithLoginAndHelper(t *testing.T) {
	s := newSecureSetup(t)
	code, r, stderr := s.p.run(t.Context(), "build")
	if code != ExitOK || len(r.Services) != 1 || r.Services[0].Action != report.ActionBuilt {
		t.Fatalf("build: exit %d, %+v\n%s", code, r.Services, stderr)
	}
	got := r.Services[0]
	d, err := xpimage.NewRegistry().Digest(t.Context(), xpimage.Cut(got.Image))
	if err != nil || d != got.Digest {
		t.Fatalf("%s in the TLS registry = %q, %v; want %s", got.Image, d, err, got.Digest)
	}
	if !slices.Contains(s.helperGets(), s.builders.Addr) {
		t.Errorf("the credential helper was not asked for %s (asked: %v)", s.builders.Addr, s.helperGets())
	}
	if info, err := s.p.docker.ImageInspect(t.Context(), s.builder); err != nil || len(info.RepoDigests) == 0 {
		t.Errorf("builder %s was not pulled from its registry: %v", s.builder, err)
	}
	assertNoSecret(t, stderr, s.push, s.builders)
}

func TestIntegrationBuildWrongPassword(t *testing.T) {
	s := newSecureSetup(t)
	wrong := "wrong-" + s.push.Password
	setAuth(t, s.push.Addr, s.push.User, wrong)
	code, out, stderr := s.p.runOutput(t.Context(), "text", "build")
	if code != ExitFailed {
		t.Fatalf("build with a wrong password: exit %d, want %d\n%s%s", code, ExitFailed, out, stderr)
	}
	all := out + stderr
	for _, want := range []string{s.push.Addr, "unauthorized", "docker login " + s.push.Addr} {
		if !strings.Contains(all, want) {
			t.Errorf("output does not say %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, wrong) {
		t.Errorf("output shows the wrong password:\n%s", all)
	}
	assertNoSecret(t, all, s.push, s.builders)
}

// setAuth replaces the inline credentials of host in DOCKER_CONFIG, as a
// stale `docker login` leaves them.
func setAuth(t *testing.T, host, user, password string) {
	t.Helper()
	path := os.Getenv("DOCKER_CONFIG") + "/config.json"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["auths"] = map[string]any{host: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + password))}}
	if raw, err = json.Marshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

func assertNoSecret(t *testing.T, output string, regs ...*testenv.SecureRegistry) {
	t.Helper()
	for _, reg := range regs {
		if strings.Contains(output, reg.Password) {
			t.Errorf("output shows the password of %s:\n%s", reg.Addr, output)
		}
	}
}
