package baseimage

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestToolchainKeep(t *testing.T) {
	host := "pkg/tool/" + runtime.GOOS + "_" + runtime.GOARCH
	native := toolchain{platform: runtime.GOOS + "_" + runtime.GOARCH}
	rebuilt := toolchain{platform: "linux_arm64", programs: "/tmp/programs"}
	tests := []struct {
		tc   toolchain
		rel  string
		want bool
	}{
		{native, ".", true},
		{native, "src", true},
		{native, "src/net/http", true},
		{native, "src/net/http/testdata", false},
		{native, "src/cmd/go/testdata", false},
		{native, "test", false},
		{native, "src/test", true},
		{native, ".git", false},
		{native, "bin", true},
		{native, "pkg/tool", true},
		{native, host, true},
		{native, "pkg/tool/plan9_arm", false},
		{native, "pkg/include", true},
		// Programs built for the image replace this machine's.
		{rebuilt, "bin", false},
		{rebuilt, host, false},
		{rebuilt, "pkg/tool/linux_arm64", false},
		{rebuilt, "src/net/http", true},
		{rebuilt, "pkg/include", true},
	}
	for _, tt := range tests {
		if got := tt.tc.keep(tt.rel); got != tt.want {
			t.Errorf("%+v.keep(%q) = %v, want %v", tt.tc, tt.rel, got, tt.want)
		}
	}
}

func TestToolchainChanges(t *testing.T) {
	goEnvChanges := []string{
		"ENV GOCACHE=/tmp/.gocache", "ENV GOPATH=/tmp/go", "ENV GOFLAGS=-mod=mod",
		"ENV CGO_ENABLED=0", "ENV GOTOOLCHAIN=local",
	}
	withBase := func(extra ...string) []string {
		return append([]string{"LABEL org.opencontainers.image.base.name=xp/base:1"}, extra...)
	}
	tests := []struct {
		name string
		cfg  *dockerspec.DockerOCIImageConfig
		want []string
	}{
		{
			name: "no configuration",
			want: slices.Concat(withBase("ENV PATH=/usr/local/go/bin:/tmp/go/bin:"+defaultPath), goEnvChanges, []string{`CMD ["sh"]`}),
		},
		{
			name: "base configuration kept",
			cfg: &dockerspec.DockerOCIImageConfig{ImageConfig: ocispec.ImageConfig{
				Env:        []string{"PATH=/opt/bin:/bin", "GREETING=hello world", "GOPATH=/old"},
				Entrypoint: []string{"/entry"},
				Cmd:        []string{"run", "it"},
				WorkingDir: "/src",
				User:       "nobody",
			}},
			want: slices.Concat(
				withBase(`ENV GREETING="hello world"`, "ENV PATH=/usr/local/go/bin:/tmp/go/bin:/opt/bin:/bin"),
				goEnvChanges,
				[]string{`ENTRYPOINT ["/entry"]`, `CMD ["run","it"]`, "WORKDIR /src", "USER nobody"},
			),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := toolchainChanges(tt.cfg, "xp/base:1"); !slices.Equal(got, tt.want) {
				t.Errorf("toolchainChanges:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestWriteToolchainRootfs(t *testing.T) {
	goroot := t.TempDir()
	hostTool := filepath.Join("pkg", "tool", runtime.GOOS+"_"+runtime.GOARCH)
	for _, f := range []string{
		"bin/go", "VERSION", hostTool + "/compile", "pkg/tool/plan9_arm/compile",
		"src/fmt/print.go", "src/fmt/testdata/x.txt", "test/fixedbugs/a.go",
	} {
		p := filepath.Join(goroot, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("go", filepath.Join(goroot, "bin", "golink")); err != nil {
		t.Fatal(err)
	}

	var base bytes.Buffer
	tw := tar.NewWriter(&base)
	for _, h := range []*tar.Header{
		{Name: ".dockerenv", Typeflag: tar.TypeReg, Mode: 0o755},
		{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "bin/sh", Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777},
	} {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := writeToolchainRootfs(&out, bytes.NewReader(base.Bytes()), toolchain{goroot: goroot, platform: runtime.GOOS + "_" + runtime.GOARCH}); err != nil {
		t.Fatal(err)
	}
	got := readTar(t, &out)
	for name, want := range map[string]bool{
		".dockerenv":                              false,
		"bin/sh":                                  true,
		"usr/local/go/":                           true,
		"usr/local/go/bin/go":                     true,
		"usr/local/go/VERSION":                    true,
		"usr/local/go/" + hostTool + "/compile":   true,
		"usr/local/go/pkg/tool/plan9_arm/compile": false,
		"usr/local/go/src/fmt/print.go":           true,
		"usr/local/go/src/fmt/testdata/x.txt":     false,
		"usr/local/go/test/fixedbugs/a.go":        false,
	} {
		if _, ok := got[name]; ok != want {
			t.Errorf("entry %s present = %v, want %v", name, ok, want)
		}
	}
	if e := got["usr/local/go/bin/golink"]; e.typ != tar.TypeSymlink || e.link != "go" {
		t.Errorf("usr/local/go/bin/golink = %+v, want a symlink to go", e)
	}
	if e := got["usr/local/go/bin/go"]; e.mode&0o111 == 0 || e.data != "bin/go" {
		t.Errorf("usr/local/go/bin/go = %+v, want the executable file", e)
	}
}

func TestWriteToolchainRootfsRebuilt(t *testing.T) {
	goroot, programs := t.TempDir(), t.TempDir()
	hostTool := filepath.Join("pkg", "tool", runtime.GOOS+"_"+runtime.GOARCH)
	for dir, files := range map[string][]string{
		goroot:   {"bin/go", "VERSION", hostTool + "/compile", "src/fmt/print.go"},
		programs: {"bin/go", "pkg/tool/linux_arm64/compile"},
	} {
		for _, f := range files {
			p := filepath.Join(dir, f)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(dir+":"+f), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	var out bytes.Buffer
	tc := toolchain{goroot: goroot, platform: "linux_arm64", programs: programs}
	if err := writeToolchainRootfs(&out, bytes.NewReader(emptyTar(t)), tc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	tr := tar.NewReader(bytes.NewReader(out.Bytes()))
	for h, err := tr.Next(); err == nil; h, err = tr.Next() {
		if seen[h.Name] {
			t.Errorf("%s is twice in the stream; the engine refuses such a tar", h.Name)
		}
		seen[h.Name] = true
	}
	got := readTar(t, &out)
	for name, want := range map[string]string{
		"usr/local/go/bin/go":                        programs + ":bin/go",
		"usr/local/go/pkg/tool/linux_arm64/compile":  programs + ":pkg/tool/linux_arm64/compile",
		"usr/local/go/VERSION":                       goroot + ":VERSION",
		"usr/local/go/src/fmt/print.go":              goroot + ":src/fmt/print.go",
		"usr/local/go/" + filepath.ToSlash(hostTool): "",
	} {
		e, ok := got[name]
		if want == "" {
			if ok {
				t.Errorf("%s is in the image; this machine's tools do not run there", name)
			}
			continue
		}
		if e.data != want {
			t.Errorf("%s = %q, want %q", name, e.data, want)
		}
	}
}

func emptyTar(t *testing.T) []byte {
	var b bytes.Buffer
	if err := tar.NewWriter(&b).Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
