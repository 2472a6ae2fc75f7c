package app

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/manifest"
)

func TestParseSecret(t *testing.T) {
	for _, c := range []struct {
		in   string
		want manifest.Secret
		bad  bool
	}{
		{in: "id=npmrc,src=/home/u/.npmrc", want: manifest.Secret{ID: "npmrc", File: "/home/u/.npmrc"}},
		{in: "id=tok,env=NPM_TOKEN", want: manifest.Secret{ID: "tok", Env: "NPM_TOKEN"}},
		{in: "id=x,source=f", want: manifest.Secret{ID: "x", File: "f"}},
		{in: "id=x", bad: true},
		{in: "id=x,src=a,env=B", bad: true},
		{in: "src=a", bad: true},
		{in: "id=x,mode=0400,src=a", bad: true},
		{in: "npmrc", bad: true},
	} {
		got, err := parseSecret(c.in)
		if (err != nil) != c.bad || !c.bad && got != c.want {
			t.Errorf("parseSecret(%q) = %+v, %v", c.in, got, err)
		}
	}
}

// cliContext parses args against the build command's flags.
func cliContext(t *testing.T, args ...string) *cli.Context {
	t.Helper()
	set := flag.NewFlagSet("build", flag.ContinueOnError)
	for _, f := range []cli.Flag{builderFlag(), secretFlag(), platformFlag()} {
		if err := f.Apply(set); err != nil {
			t.Fatal(err)
		}
	}
	if err := set.Parse(args); err != nil {
		t.Fatal(err)
	}
	return cli.NewContext(cli.NewApp(), set, nil)
}

func TestEndpoints(t *testing.T) {
	m := &manifest.Manifest{Builders: []manifest.BuildkitEndpoint{{Address: "unix:///run/buildkit/buildkitd.sock"}}}
	if eps, err := endpoints(cliContext(t), &manifest.Manifest{}); err != nil || len(eps) != 1 || eps[0].Address != "docker" {
		t.Fatalf("no builders anywhere: %v, %v", eps, err)
	}
	if eps, err := endpoints(cliContext(t), m); err != nil || len(eps) != 1 || eps[0].Address != m.Builders[0].Address {
		t.Fatalf("the manifest's builders: %v, %v", eps, err)
	}
	certs := t.TempDir()
	t.Setenv(builderTLSEnv, certs)
	eps, err := endpoints(cliContext(t, "--builder", "tcp://10.0.0.1:1234, docker"), m)
	if err != nil || len(eps) != 2 || eps[0].CA != filepath.Join(certs, "ca.pem") || eps[1].Address != "docker" || eps[1].CA != "" {
		t.Fatalf("--builder overrides the manifest: %+v, %v", eps, err)
	}
	if _, err := endpoints(cliContext(t, "--builder", "ftp://x"), m); err == nil {
		t.Fatal("an unknown scheme was taken")
	}
}

func TestSecretsAndPlatformsFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "npmrc")
	if err := os.WriteFile(file, []byte("//registry/:_authToken=abc"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XP_TEST_SECRET", "from-env")
	got, err := secrets(cliContext(t, "--secret", "id=npmrc,src="+file, "--secret", "id=tok,env=XP_TEST_SECRET"))
	if err != nil || string(got["npmrc"]) != "//registry/:_authToken=abc" || string(got["tok"]) != "from-env" {
		t.Fatalf("secrets = %q, %v", got, err)
	}
	if _, err := secrets(cliContext(t, "--secret", "id=tok,env=XP_TEST_UNSET_VARIABLE")); err == nil {
		t.Fatal("a secret from an unset variable was taken")
	}
	pl, err := platforms(cliContext(t, "--platform", "linux/amd64,linux/aarch64"))
	if err != nil || len(pl) != 2 || pl[1] != "linux/arm64" {
		t.Fatalf("platforms = %v, %v", pl, err)
	}
	if _, err := platforms(cliContext(t, "--platform", "amd64")); err == nil {
		t.Fatal("--platform amd64 was taken")
	}
}
