package baseimage

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
)

// toolchain is a Go toolchain laid out for a linux image: a GOROOT whose sources and
// standard library go in as they are, and, when its programs do not run in the image
// (a Mac, or an engine of another architecture), the same programs built for it.
type toolchain struct {
	goroot string
	// platform is the image's pkg/tool folder name, e.g. "linux_arm64".
	platform string
	// programs holds bin/ and pkg/tool/<platform>/ built for the image; "" when the
	// GOROOT's own programs are the image's.
	programs string
}

// keep tells which directories of GOROOT (rel is slash-separated) go into the image:
// tests and their data are left out, tools for other platforms too, and the host's
// programs when programs replaces them.
func (tc toolchain) keep(rel string) bool {
	switch {
	case rel == "test", rel == ".git":
		return false
	case strings.HasPrefix(rel, "src/") && path.Base(rel) == "testdata":
		return false
	case rel == "bin":
		return tc.programs == ""
	case path.Dir(rel) == "pkg/tool":
		return tc.programs == "" && path.Base(rel) == tc.platform
	}
	return true
}

// hostToolchain returns the toolchain at goroot for an image of architecture arch,
// building its programs for linux/arch into dir when this machine's do not run there or
// when rebuild is set.
func hostToolchain(ctx context.Context, goroot, arch, dir string, rebuild bool) (toolchain, error) {
	tc := toolchain{goroot: goroot, platform: "linux_" + arch}
	if !rebuild && runtime.GOOS == "linux" && runtime.GOARCH == arch {
		return tc, nil
	}
	tools, err := os.ReadDir(filepath.Join(goroot, "pkg", "tool", runtime.GOOS+"_"+runtime.GOARCH))
	if err != nil {
		return tc, fmt.Errorf("listing the Go tools of %s: %w", goroot, err)
	}
	cmds := []string{}
	for _, t := range tools {
		cmds = append(cmds, "cmd/"+t.Name())
	}
	for _, b := range []struct {
		out  string
		pkgs []string
	}{
		{filepath.Join(dir, "bin"), []string{"cmd/go", "cmd/gofmt"}},
		{filepath.Join(dir, "pkg", "tool", tc.platform), cmds},
	} {
		if err := buildFor(ctx, goroot, arch, b.out, b.pkgs); err != nil {
			return tc, err
		}
	}
	tc.programs = dir
	return tc, nil
}

// buildFor builds pkgs of the Go distribution at goroot for linux/arch into the folder out.
func buildFor(ctx context.Context, goroot, arch, out string, pkgs []string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", out, err)
	}
	args := append([]string{"build", "-o", out + string(filepath.Separator)}, pkgs...)
	cmd := exec.CommandContext(ctx, filepath.Join(goroot, "bin", "go"), args...)
	cmd.Dir = filepath.Join(goroot, "src")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0",
		"GOROOT="+goroot, "GOTOOLCHAIN=local", "GOFLAGS=", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the Go toolchain for linux/%s: %w: %s", arch, err, strings.TrimSpace(string(out)))
	}
	return nil
}
