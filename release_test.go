package main

import (
	"bufio"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestMakeReleaseBinaries runs `make release-binaries` for the host and
// one other platform, as `make release` does for all four, and checks what
// it leaves: static binaries of the right platforms, a SHA256SUMS that
// matches them, and the version stamped in the host's.
func TestMakeReleaseBinaries(t *testing.T) {
	const version = "v0.0.0-releasetest"
	host := runtime.GOOS + "/" + runtime.GOARCH
	other := "linux/arm64"
	if host == other {
		other = "linux/amd64"
	}
	dist := t.TempDir()
	cmd := exec.Command("make", "release-binaries", "VERSION="+version, "DIST="+dist, "PLATFORMS="+host+" "+other)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make release-binaries: %v\n%s", err, out)
	}
	name := func(platform string) string {
		return "x-platform_" + version + "_" + strings.Replace(platform, "/", "_", 1)
	}

	sums := map[string]string{}
	f, err := os.Open(filepath.Join(dist, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for s := bufio.NewScanner(f); s.Scan(); {
		sum, file, ok := strings.Cut(s.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q is not `SUM  FILE`", s.Text())
		}
		sums[file] = sum
	}
	if len(sums) != 2 {
		t.Errorf("SHA256SUMS lists %d files, want 2: %v", len(sums), sums)
	}
	for _, p := range []string{host, other} {
		b, err := os.ReadFile(filepath.Join(dist, name(p)))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(b)
		if sums[name(p)] != hex.EncodeToString(h[:]) {
			t.Errorf("SHA256SUMS has %q for %s, the file's is %x", sums[name(p)], name(p), h)
		}
		checkPlatform(t, filepath.Join(dist, name(p)), p)
	}

	out, err := exec.Command(filepath.Join(dist, name(host)), "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "x-platform "+version+" ") {
		t.Errorf("--version: %v, %q", err, out)
	}
	out, err = exec.Command(filepath.Join(dist, name(host)), "version", "-o", "json").Output()
	var v struct{ Version, OS, Arch string }
	if err != nil || json.Unmarshal(out, &v) != nil || v.Version != version || v.OS+"/"+v.Arch != host {
		t.Errorf("version -o json: %v, %q", err, out)
	}
}

// checkPlatform checks a binary is for platform and, on Linux, static: no
// program interpreter, no shared library.
func checkPlatform(t *testing.T, path, platform string) {
	t.Helper()
	goos, arch, _ := strings.Cut(platform, "/")
	if goos == "darwin" {
		f, err := macho.Open(path)
		if err != nil {
			t.Fatalf("%s is no Mach-O file: %v", path, err)
		}
		defer f.Close()
		want := map[string]macho.Cpu{"amd64": macho.CpuAmd64, "arm64": macho.CpuArm64}[arch]
		if f.Cpu != want {
			t.Errorf("%s: cpu %v, want %v", path, f.Cpu, want)
		}
		return
	}
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("%s is no ELF file: %v", path, err)
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch]
	if f.Machine != want {
		t.Errorf("%s: machine %v, want %v", path, f.Machine, want)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s is not static: it has %v", path, p.Type)
		}
	}
}
