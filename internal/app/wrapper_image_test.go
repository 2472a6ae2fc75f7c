package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// orchestrator is the image `make image` builds, made once for every wrapper test of
// this run and removed after them by TestMain.
var orchestrator struct {
	once sync.Once
	ref  string
	err  error
	out  []byte
}

// orchestratorImage returns the orchestrator's image built from this tree by `make image`.
func orchestratorImage(t *testing.T) string {
	t.Helper()
	orchestrator.once.Do(func() {
		repo, err := filepath.Abs("../..")
		if err != nil {
			orchestrator.err = err
			return
		}
		orchestrator.ref = "x-platform:" + testenv.UniqueName(t, "test")
		mk := exec.Command("make", "-C", repo, "image", "XP_IMAGE="+orchestrator.ref)
		orchestrator.out, orchestrator.err = mk.CombinedOutput()
	})
	if orchestrator.err != nil {
		t.Fatalf("make image: %v\n%s", orchestrator.err, tail(orchestrator.out))
	}
	return orchestrator.ref
}

// removeOrchestratorImage removes the image orchestratorImage made, if it made one.
func removeOrchestratorImage() {
	if orchestrator.ref == "" {
		return
	}
	_ = exec.CommandContext(context.Background(), "docker", "image", "rm", "-f", orchestrator.ref).Run()
}

// wrapperRunner runs a copy of bin/x-platform placed in a platform folder, as a user of
// that folder would, through the orchestrator image img.
type wrapperRunner struct {
	bin, dir string
	env      []string // added to this process's environment
}

// installWrapper copies bin/x-platform into root/bin and returns a runner of it.
func installWrapper(t *testing.T, root, img string, env ...string) wrapperRunner {
	t.Helper()
	wrapper, err := os.ReadFile("../../bin/x-platform")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "bin", "x-platform")
	writeFile(t, bin, string(wrapper))
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	return wrapperRunner{bin: bin, dir: root, env: append([]string{"XP_IMAGE=" + img, "XP_LOCAL="}, env...)}
}

// runJSON runs the wrapper with --output json and extra environment, checks its exit
// code and returns the report on stdout and everything it printed.
func (w wrapperRunner) runJSON(t *testing.T, wantCode int, env []string, args ...string) (report.Report, string) {
	t.Helper()
	cmd := exec.Command(w.bin, append([]string{"--output", "json"}, args...)...)
	cmd.Dir = w.dir
	cmd.Env = append(append(os.Environ(), w.env...), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	_ = cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != wantCode {
		t.Fatalf("bin/x-platform %v: exit %d, want %d\n%s", args, code, wantCode, errOut.String())
	}
	var r report.Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("stdout is not one JSON report: %v\n%q", err, out.String())
	}
	return r, out.String() + errOut.String()
}
