package manifest

import (
	"strings"
	"testing"
)

func TestRules(t *testing.T) {
	tests := []struct {
		rule  string
		check func(string) string
		value string
		// want is a part of the problem, or "" when the value is fine.
		want string
	}{
		{"name", serviceNameProblem, "zbackend", ""},
		{"name", serviceNameProblem, "9-lives", ""},
		{"name", serviceNameProblem, strings.Repeat("a", 63), ""},
		{"name", serviceNameProblem, strings.Repeat("a", 64), "at most 63"},
		{"name", serviceNameProblem, "-a", "DNS-1123"},
		{"name", serviceNameProblem, "a_b", "DNS-1123"},
		{"name", serviceNameProblem, "a.b", "DNS-1123"},
		{"name", serviceNameProblem, "", "DNS-1123"},

		{"registry", registryProblem, "registry.example.com", ""},
		{"registry", registryProblem, "registry.example.com/x/y", ""},
		{"registry", registryProblem, "localhost:5000", ""},
		{"registry", registryProblem, "localhost", ""},
		{"registry", registryProblem, "127.0.0.1:5000/team", ""},
		{"registry", registryProblem, "docker.io/team", ""},
		{"registry", registryProblem, "team", "registry host"},
		{"registry", registryProblem, "team/sub", "registry host"},
		{"registry", registryProblem, "http://localhost:5000", "scheme"},
		{"registry", registryProblem, "localhost:5000/", "end with '/'"},
		{"registry", registryProblem, "localhost:5000/x:1", "tag"},
		{"registry", registryProblem, "localhost:5000/x@sha256:00", "digest"},
		{"registry", registryProblem, "localhost:5000/Team", "lowercase"},
		{"registry", registryProblem, "local_host.example:5000", "host[:port][/path]"},

		{"builder image", builderImageProblem, "busybox", ""},
		{"builder image", builderImageProblem, "builders/go:1.26", ""},
		{"builder image", builderImageProblem, "localhost:5000/builders/go@sha256:" + strings.Repeat("f", 64), ""},
		{"builder image", builderImageProblem, "builders/Go", "lowercase"},
		{"builder image", builderImageProblem, "builders/go:", "invalid reference format"},
		{"builder image", builderImageProblem, "", "invalid reference format"},

		{"image", repositoryProblem, "zbackend", ""},
		{"image", repositoryProblem, "team/z-backend_2.x", ""},
		{"image", repositoryProblem, "zbackend:v1", "tag"},
		{"image", repositoryProblem, "localhost:5000/zbackend", "port"},
		{"image", repositoryProblem, "zbackend@sha256:" + strings.Repeat("f", 64), "digest"},
		{"image", repositoryProblem, "Zbackend", "lowercase"},
		{"image", repositoryProblem, "/zbackend", "repository path"},
		{"image", repositoryProblem, "zbackend/", "repository path"},
		{"image", repositoryProblem, "z--backend", ""},
		{"image", repositoryProblem, "z backend", "repository path"},

		{"reference", gitReferenceProblem, "origin/master", ""},
		{"reference", gitReferenceProblem, "feature/x-1", ""},
		{"reference", gitReferenceProblem, "v1.2.3", ""},
		{"reference", gitReferenceProblem, "1.10", ""},
		{"reference", gitReferenceProblem, strings.Repeat("ab", 20), ""},
		{"reference", gitReferenceProblem, "a\tb", "whitespace"},
		{"reference", gitReferenceProblem, " main", "whitespace"},
		{"reference", gitReferenceProblem, "-main", "start with '-'"},
		{"reference", gitReferenceProblem, "a..b", "'..'"},
		{"reference", gitReferenceProblem, "HEAD~1", "~"},
		{"reference", gitReferenceProblem, "main^", "~"},
		{"reference", gitReferenceProblem, "a:b", "~"},
		{"reference", gitReferenceProblem, "origin/", "'/'"},
		{"reference", gitReferenceProblem, "a//b", "'/'"},
		{"reference", gitReferenceProblem, "main.lock", ".lock"},
		{"reference", gitReferenceProblem, "a\x7fb", "control"},

		{"workdir", workdirProblem, "/", ""},
		{"workdir", workdirProblem, "/go/src/x", ""},
		{"workdir", workdirProblem, "go/src/x", "such as /go/src/x"},
		{"workdir", workdirProblem, ".", "absolute"},

		{"dir", dirProblem, "src/zbackend", ""},
		{"dir", dirProblem, "./zbackend/", ""},
		{"dir", dirProblem, "a/../b", ""},
		{"dir", dirProblem, "..x", ""},
		{"dir", dirProblem, "/src", "relative"},
		{"dir", dirProblem, "..", "inside"},
		{"dir", dirProblem, "../x", "inside"},
		{"dir", dirProblem, "a/../../x", "inside"},
		{"dir", dirProblem, ".", "not the folder itself"},
		{"dir", dirProblem, "a/..", "not the folder itself"},

		{"arg", argNameProblem, "GO_VERSION", ""},
		{"arg", argNameProblem, "_x9", ""},
		{"arg", argNameProblem, "9x", "ARG"},
		{"arg", argNameProblem, "A-B", "ARG"},
		{"arg", argNameProblem, "A=B", "ARG"},
		{"arg", argNameProblem, "", "ARG"},
	}
	for _, tt := range tests {
		got := tt.check(tt.value)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("%s %q: got %q, want %q", tt.rule, tt.value, got, tt.want)
		}
	}
}

func TestInsideProblem(t *testing.T) {
	tests := []struct {
		dir, rel, want string
	}{
		{"src/a", "Dockerfile", ""},
		{"src/a", "build/Dockerfile", ""},
		{"src/a", "..", ""},
		{"src/a", "../..", ""},
		{"src/a", "../../..", "leads to .."},
		{"src/a", "../../../b/Dockerfile", "leads to ../b/Dockerfile"},
		{"src/a", "/Dockerfile", "relative"},
	}
	for _, tt := range tests {
		got := insideProblem(tt.dir, tt.rel)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("insideProblem(%q, %q) = %q, want %q", tt.dir, tt.rel, got, tt.want)
		}
	}
}

func TestImageNameProblem(t *testing.T) {
	tests := []struct {
		registry, image string
		ok              bool
	}{
		{"", "zbackend", true},
		{"localhost:5000", "zbackend", true},
		{"registry.example.com/" + strings.Repeat("x", 200), strings.Repeat("z", 54), true},
		{"registry.example.com/" + strings.Repeat("x", 200), strings.Repeat("z", 55), false},
	}
	for _, tt := range tests {
		if got := imageNameProblem(tt.registry, tt.image); (got == "") != tt.ok {
			t.Errorf("imageNameProblem(%q, %q) = %q, want ok=%v", tt.registry, tt.image, got, tt.ok)
		}
	}
}

func TestValidateRegistry(t *testing.T) {
	if err := ValidateRegistry("localhost:5000/x"); err != nil {
		t.Errorf("ValidateRegistry(localhost:5000/x) = %v", err)
	}
	err := ValidateRegistry("team")
	if err == nil || !strings.Contains(err.Error(), `registry "team": must start with a registry host`) {
		t.Errorf("ValidateRegistry(team) = %v", err)
	}
}

func TestRemoteURL(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"./repos/a.git", "/m/repos/a.git"},
		{"../repos/a.git", "/repos/a.git"},
		{"git@gitlab.example.com:x/a.git", "git@gitlab.example.com:x/a.git"},
		{"https://example.com/a.git", "https://example.com/a.git"},
		{"/srv/git/a.git", "/srv/git/a.git"},
		{"file:///srv/git/a.git", "file:///srv/git/a.git"},
	}
	for _, tt := range tests {
		if got := remoteURL("/m", tt.remote); got != tt.want {
			t.Errorf("remoteURL(/m, %q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	allowed := []string{"dir", "git", "dockerBuilder", "docker", "scripts"}
	tests := []struct{ name, want string }{
		{"gti", " (did you mean git?)"},
		{"dockerbuilder", " (did you mean dockerBuilder?)"},
		{"Scrpts", " (did you mean scripts?)"},
		{"environments", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.name, allowed); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
