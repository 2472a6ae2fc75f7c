package manifest

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadValid(t *testing.T) {
	root, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file string
		want *Manifest
	}{{
		file: "valid-full.yaml",
		want: &Manifest{Registry: "localhost:5000/team", InsecureRegistries: []string{"registry.internal:5000", "10.0.0.7", "[fd00::1]:5000"}, Services: []*Service{{
			Name: "zbackend", Dir: "src/zbackend", AbsDir: filepath.Join(root, "src/zbackend"),
			Git: Git{
				Remote:    "git@gitlab.example.com:x/zbackend.git",
				URL:       "git@gitlab.example.com:x/zbackend.git",
				Reference: "origin/master",
			},
			DockerBuilder: Builder{Image: "builders/zbackend:newest", Workdir: "/go/src/x/zbackend"},
			Docker: Docker{
				Image: "x/zbackend", Dockerfile: "build/Dockerfile", Context: "..", Target: "runtime",
				BuildArgs: map[string]string{"GO_VERSION": "1.26", "EMPTY": "", "_N1": "3"},
			},
			Scripts: Scripts{Build: []string{"make build"}, Test: []string{"make test", "go vet ./..."}},
		}, {
			Name: "aworker", Dir: "./workers/a/", AbsDir: filepath.Join(root, "workers/a"),
			Git: Git{
				Remote:    "../repos/aworker.git",
				URL:       filepath.Join(filepath.Dir(root), "repos/aworker.git"),
				Reference: "0123456789abcdef0123456789abcdef01234567",
			},
			DockerBuilder: Builder{
				Image:   "registry.example.com/builders/go@sha256:" + strings.Repeat("a", 64),
				Workdir: "/src",
			},
			Docker: Docker{Image: "aworker", Dockerfile: "Dockerfile", Context: "."},
		}}},
	}, {
		file: "valid-minimal.yaml",
		want: &Manifest{Services: []*Service{{
			Name: "zbackend", Dir: "src/zbackend", AbsDir: filepath.Join(root, "src/zbackend"),
			Git: Git{
				Remote:    "file:///srv/git/zbackend.git",
				URL:       "file:///srv/git/zbackend.git",
				Reference: "main",
			},
			DockerBuilder: Builder{Image: "busybox", Workdir: "/src"},
			Docker:        Docker{Image: "zbackend", Dockerfile: "Dockerfile", Context: "."},
		}}},
	}, {
		file: "valid-scalars.yaml",
		want: &Manifest{Registry: "registry.example.com", Services: []*Service{{
			Name: "a", Dir: "a", AbsDir: filepath.Join(root, "a"),
			Git:           Git{Remote: "/srv/git/a.git", URL: "/srv/git/a.git", Reference: "1.10"},
			DockerBuilder: Builder{Image: "b:1", Workdir: "/src"},
			Docker:        Docker{Image: "a", Dockerfile: "Dockerfile", Context: ".", Target: "0x1F"},
		}, {
			Name: "b", Dir: "b", AbsDir: filepath.Join(root, "b"),
			Git:           Git{Remote: "/srv/git/b.git", URL: "/srv/git/b.git", Reference: "123"},
			DockerBuilder: Builder{Image: "b", Workdir: "/src"},
			Docker:        Docker{Image: "b", Dockerfile: "Dockerfile", Context: "."},
			Scripts:       Scripts{Build: []string{"true", "1e3"}},
		}}},
	}, {
		file: "valid-monorepo.yaml",
		want: &Manifest{Services: []*Service{{
			Name: "api", Dir: "src/mono", AbsDir: filepath.Join(root, "src/mono"),
			Git:           Git{Remote: "./mono.git", URL: filepath.Join(root, "mono.git"), Reference: "master", Path: "services/api"},
			DockerBuilder: Builder{Image: "b:1", Workdir: "/w"},
			Docker:        Docker{Image: "api", Dockerfile: "build/Dockerfile", Context: "."},
		}, {
			Name: "web", Dir: "src/mono", AbsDir: filepath.Join(root, "src/mono"),
			Git:           Git{Remote: "./mono.git", URL: filepath.Join(root, "mono.git"), Reference: "master", Path: "services/web"},
			DockerBuilder: Builder{Image: "b:1", Workdir: "/w"},
			Docker: Docker{Image: "web", Dockerfile: "Dockerfile", Context: ".", BuildArgs: map[string]string{
				"API": `{{ image "api" }}`, "BOTH": `{{image "api"}}-{{ image "api" }}`, "PLAIN": "x",
			}},
			Deps: []string{"api"},
		}}},
	}, {
		file: "valid-dockerfile-only.yaml",
		want: &Manifest{Registry: "registry.example.com", Services: []*Service{{
			Name: "web", Dir: "src/web", AbsDir: filepath.Join(root, "src/web"),
			Git:    Git{Remote: "file:///srv/git/web.git", URL: "file:///srv/git/web.git", Reference: "main"},
			Docker: Docker{Image: "web", Dockerfile: "build/Dockerfile", Context: "."},
		}}},
	}, {
		file: "valid-buildkit.yaml",
		want: &Manifest{
			Builders: []BuildkitEndpoint{
				{Address: "docker"},
				{Address: "unix:///run/buildkit/buildkitd.sock"},
				{
					Address: "tcp://buildkit.internal:1234", CA: filepath.Join(root, "certs/ca.pem"),
					Cert: "/etc/buildkit/client.pem", Key: filepath.Join(root, "certs/client-key.pem"),
					ServerName: "buildkit.example.com", Jobs: 4,
				},
				{Address: "tcp://[fd00::7]:1234"},
				{Address: "docker-container://buildkitd_1"},
				{Address: "kube-pod://buildkitd-0?namespace=ci"},
			},
			Services: []*Service{{
				Name: "zbackend", Dir: "src/zbackend", AbsDir: filepath.Join(root, "src/zbackend"),
				Git: Git{
					Remote: "file:///srv/git/zbackend.git", URL: "file:///srv/git/zbackend.git",
					Reference: "main", Path: "services/z",
				},
				DockerBuilder: Builder{
					Image: "builders/go:1.26", Workdir: "/src/",
					Env:    map[string]string{"GOFLAGS": "-mod=mod", "CGO_ENABLED": "0", "EMPTY": ""},
					Caches: []string{"/root/.cache/go-build", "/go/pkg/mod", "/src/node_modules"},
				},
				Docker: Docker{
					Image: "zbackend", Dockerfile: "Dockerfile", Context: ".",
					Platforms: []string{"linux/amd64", "linux/arm64", "linux/arm/v7", "linux/arm/v6"},
				},
				Scripts: Scripts{
					Build: []string{"make build"}, Test: []string{"make test"},
					Reports: []string{"build/junit.xml", "build/coverage", ".report"},
				},
				Secrets: []Secret{
					{ID: "npm_token", Env: "NPM_TOKEN"},
					{ID: "netrc", File: "~/.netrc"},
					{ID: "gcs.key-1", File: filepath.Join(root, "secrets/gcs.json")},
					{ID: "abs", File: "/etc/x/secret"},
				},
			}},
		},
	}, {
		file: "valid-anchors.yaml",
		want: &Manifest{Services: []*Service{{
			Name: "zbackend", Dir: "src/zbackend", AbsDir: filepath.Join(root, "src/zbackend"),
			Git: Git{
				Remote:    "./repos/zbackend.git",
				URL:       filepath.Join(root, "repos/zbackend.git"),
				Reference: "v1.2.3",
			},
			DockerBuilder: Builder{Image: "builders/go:1.26", Workdir: "/src"},
			Docker:        Docker{Image: "zbackend", Dockerfile: "Dockerfile", Context: "."},
			Scripts:       Scripts{Build: []string{"make build"}, Test: []string{"make test"}},
		}, {
			Name: "zfront", Dir: "src/zfront", AbsDir: filepath.Join(root, "src/zfront"),
			Git: Git{
				Remote:    "./repos/zfront.git",
				URL:       filepath.Join(root, "repos/zfront.git"),
				Reference: "v1.2.3",
			},
			DockerBuilder: Builder{Image: "builders/go:1.26", Workdir: "/src"},
			Docker:        Docker{Image: "zfront", Dockerfile: "Dockerfile", Context: "web", Target: "web"},
			Scripts:       Scripts{Build: []string{"make build"}, Test: []string{"make test"}},
		}}},
	}}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Load(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			tt.want.Path = filepath.Join(root, tt.file)
			tt.want.Root = root
			if got.Version != Version {
				t.Errorf("Version = %d, want %d (absent or 1)", got.Version, Version)
			}
			if got.Path != tt.want.Path || got.Root != tt.want.Root || got.Registry != tt.want.Registry {
				t.Errorf("got Path %q Root %q Registry %q, want %q %q %q",
					got.Path, got.Root, got.Registry, tt.want.Path, tt.want.Root, tt.want.Registry)
			}
			if !reflect.DeepEqual(got.InsecureRegistries, tt.want.InsecureRegistries) {
				t.Errorf("InsecureRegistries = %q, want %q", got.InsecureRegistries, tt.want.InsecureRegistries)
			}
			if !reflect.DeepEqual(got.Builders, tt.want.Builders) {
				t.Errorf("Builders:\n got %+v\nwant %+v", got.Builders, tt.want.Builders)
			}
			if !reflect.DeepEqual(got.Names(), tt.want.Names()) {
				t.Fatalf("services %v, want %v", got.Names(), tt.want.Names())
			}
			for i, s := range got.Services {
				if !reflect.DeepEqual(s, tt.want.Services[i]) {
					t.Errorf("service %s:\n got %+v\nwant %+v", s.Name, *s, *tt.want.Services[i])
				}
			}
		})
	}
}

// TestLoadInvalid loads every testdata/invalid-*.yaml. Each holds exactly
// one problem, described by its first line:
//
//	# want: <line>:<col>: <key path>: <part of the message>
//
// where a key path of "-" stands for a problem not tied to a key.
func TestLoadInvalid(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "invalid-*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("found %d invalid fixtures, want at least 20", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			t.Parallel()
			prefix, substr := readWant(t, file)
			m, err := Load(file)
			if err == nil {
				t.Fatalf("Load succeeded with %d services, want an error", len(m.Services))
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error %v (%T) is not Errors", err, err)
			}
			if len(errs) != 1 {
				t.Fatalf("got %d problems, want 1:\n%v", len(errs), err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, file+":"+prefix) || !strings.Contains(msg, substr) {
				t.Errorf("error\n  %s\nwant it to start with %q and contain %q", msg, file+":"+prefix, substr)
			}
		})
	}
}

// readWant splits a fixture's want line into the expected start of the
// error after the file name and a substring of the message.
func readWant(t *testing.T, file string) (prefix, substr string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		t.Fatalf("reading want line: %v", err)
	}
	want, ok := strings.CutPrefix(strings.TrimSpace(line), "# want: ")
	if !ok {
		t.Fatalf("first line %q is not a want comment", line)
	}
	parts := strings.SplitN(want, ": ", 3)
	if len(parts) != 3 {
		t.Fatalf("want line %q is not <line>:<col>: <key path>: <message>", want)
	}
	if parts[1] == "-" {
		return parts[0] + ": ", parts[2]
	}
	return parts[0] + ": " + parts[1] + ": ", parts[2]
}
