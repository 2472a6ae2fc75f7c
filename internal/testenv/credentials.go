package testenv

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// HelperName is the credential helper CredentialHelper installs: its
// binary is docker-credential-xptest.
const HelperName = "xptest"

// startEnv is the environment the test process started with: tests give
// themselves another HOME, which would leave go build an empty cache.
var startEnv = os.Environ()

// buildTool builds the command in the testenv folder dir as a binary named
// name in a temporary folder and returns its path.
func buildTool(tb testing.TB, dir, name string) string {
	tb.Helper()
	_, self, _, _ := runtime.Caller(0)
	bin := filepath.Join(tb.TempDir(), name)
	build := exec.Command("go", "build", "-o", bin, "./"+dir)
	build.Dir = filepath.Dir(self)
	build.Env = startEnv
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("building %s: %v\n%s", dir, err, out)
	}
	return bin
}

// CredentialHelper builds docker-credential-xptest, puts it first on PATH
// for the rest of the test and stores creds (server → user, secret) for it.
// It returns a function reporting the servers the helper answered for, in order.
func CredentialHelper(t *testing.T, creds map[string][2]string) (gets func() []string) {
	t.Helper()
	bin := filepath.Dir(buildTool(t, "credhelper", "docker-credential-"+HelperName))
	store := map[string]map[string]string{}
	for server, c := range creds {
		store[server] = map[string]string{"Username": c[0], "Secret": c[1]}
	}
	file := filepath.Join(t.TempDir(), "credentials.json")
	writeJSON(t, file, store)
	t.Setenv("XPTEST_CREDENTIALS", file)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return func() []string {
		raw, err := os.ReadFile(file + ".gets")
		if err != nil {
			return nil
		}
		return strings.Fields(string(raw))
	}
}

// DockerConfig gives the test its own HOME and DOCKER_CONFIG, holding a
// config.json with the inline credentials auths (server → user, password)
// and the credHelpers given, and returns the DOCKER_CONFIG folder.
func DockerConfig(t *testing.T, auths map[string][2]string, credHelpers map[string]string) string {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	t.Setenv("DOCKER_CONFIG", dir)
	cfg := map[string]any{}
	if len(auths) > 0 {
		a := map[string]any{}
		for server, c := range auths {
			a[server] = map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(c[0] + ":" + c[1]))}
		}
		cfg["auths"] = a
	}
	if len(credHelpers) > 0 {
		cfg["credHelpers"] = credHelpers
	}
	writeJSON(t, filepath.Join(dir, "config.json"), cfg)
	return dir
}

func writeJSON(t testing.TB, path string, v any) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}
