package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

func TestCredentialHosts(t *testing.T) {
	testenv.DockerConfig(t, nil, map[string]string{"builders.example.com": "ecr-login"})
	cfg := filepath.Join(os.Getenv("DOCKER_CONFIG"), "config.json")
	raw, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The default store for every registry without its own helper.
	raw = bytes.Replace(raw, []byte("{"), []byte(`{"credsStore":"desktop",`), 1)
	if err := os.WriteFile(cfg, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XP_REGISTRY", "")
	root := t.TempDir()
	manifest := `registry: registry.example.com:5443/team
services:
  a:
    dir: src/a
    git: {remote: /srv/a.git, reference: main}
    dockerBuilder: {image: "builders.example.com/go:1", workdir: /src}
    docker: {image: a}
  b:
    dir: src/b
    git: {remote: /srv/b.git, reference: main}
    dockerBuilder: {image: "busybox:1", workdir: /src}
    docker: {image: b}
  c:
    dir: src/c
    git: {remote: /srv/c.git, reference: main}
    dockerBuilder: {image: "registry.example.com:5443/builders/c:1", workdir: /src}
    docker: {image: c}
`
	writeFile(t, filepath.Join(root, "x-platform.yml"), manifest)
	var out, errOut bytes.Buffer
	code := Run(t.Context(), []string{"x-platform", "--file", filepath.Join(root, "x-platform.yml"), "credential-hosts"},
		Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	want := "registry.example.com:5443\tdesktop\tregistry.example.com:5443\n" +
		"builders.example.com\tecr-login\tbuilders.example.com\n" +
		"index.docker.io\tdesktop\thttps://index.docker.io/v1/\n"
	if out.String() != want {
		t.Errorf("credential-hosts printed\n%q\nwant\n%q", out.String(), want)
	}
}

func TestInsecureRegistriesFromEnv(t *testing.T) {
	t.Setenv("XP_INSECURE_REGISTRIES", " registry.internal:5000, ,10.0.0.7")
	got, err := insecureFromEnv()
	if err != nil || strings.Join(got, ",") != "registry.internal:5000,10.0.0.7" {
		t.Fatalf("insecureFromEnv = %q, %v", got, err)
	}
	t.Setenv("XP_INSECURE_REGISTRIES", "http://registry.internal")
	if _, err := insecureFromEnv(); err == nil || exitCode(&bytes.Buffer{}, err) != ExitUsage {
		t.Fatalf("a scheme in XP_INSECURE_REGISTRIES: err = %v, want a usage error", err)
	}
}
