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

		{"workdir", workdirProblem, "/go/src/x", ""},
		{"workdir", workdirProblem, "/usr/src/app", ""},
		{"workdir", workdirProblem, "/work/", ""},
		{"workdir", workdirProblem, "/", "must not be /:"},
		{"workdir", workdirProblem, "/etc", "system folder"},
		{"workdir", workdirProblem, "/usr/bin/", "system folder"},
		{"workdir", workdirProblem, "/usr", "system folder"},
		{"workdir", workdirProblem, "/proc/self", "inside /proc"},
		{"workdir", workdirProblem, "/dev/shm/x", "inside /dev"},
		{"workdir", workdirProblem, "/x/../sys", "system folder"},
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
		{"dir", dirProblem, ".git/hooks", "which git and x-platform keep"},
		{"dir", dirProblem, "src/.git", "which git and x-platform keep"},
		{"dir", dirProblem, ".x-platform/backups/src/a", "which git and x-platform keep"},
		{"dir", dirProblem, ".x-platform-render", "which git and x-platform keep"},
		{"dir", dirProblem, "a/../.git", "which git and x-platform keep"},
		{"dir", dirProblem, ".gitlab/a", ""},

		{"arg", argNameProblem, "GO_VERSION", ""},
		{"arg", argNameProblem, "_x9", ""},
		{"arg", argNameProblem, "9x", "ARG"},
		{"arg", argNameProblem, "A-B", "ARG"},
		{"arg", argNameProblem, "A=B", "ARG"},
		{"arg", argNameProblem, "", "ARG"},

		{"env", envNameProblem, "GOFLAGS", ""},
		{"env", envNameProblem, "_X_1", ""},
		{"env", envNameProblem, "1X", "environment variable"},
		{"env", envNameProblem, "GO-FLAGS", "environment variable"},
		{"env", envNameProblem, "A B", "environment variable"},

		{"cache", cacheProblem, "/root/.cache/go-build", ""},
		{"cache", cacheProblem, "/go/pkg/mod", ""},
		{"cache", cacheProblem, "/.cache", ""},
		{"cache", cacheProblem, "root/.cache", "such as /root/.cache"},
		{"cache", cacheProblem, "./x", "such as /x"},
		{"cache", cacheProblem, "/", "must not be /"},
		{"cache", cacheProblem, "//", "must not be /"},
		{"cache", cacheProblem, "/x/..", "must not be /"},
		{"cache", cacheProblem, "/root/.cache/", "write /root/.cache"},
		{"cache", cacheProblem, "/root//.cache", "write /root/.cache"},
		{"cache", cacheProblem, "/a/../b", "write /b"},

		{"report", reportProblem, "junit.xml", ""},
		{"report", reportProblem, "build/reports", ""},
		{"report", reportProblem, ".report", ""},
		{"report", reportProblem, "..report", ""},
		{"report", reportProblem, "/tmp/junit.xml", "relative"},
		{"report", reportProblem, `build\junit.xml`, "slash-separated"},
		{"report", reportProblem, "..", "leaves it"},
		{"report", reportProblem, "a/../../b", "leaves it"},
		{"report", reportProblem, ".", "not the folder itself"},
		{"report", reportProblem, "a/..", "not the folder itself"},
		{"report", reportProblem, "./junit.xml", "write junit.xml"},
		{"report", reportProblem, "build/", "write build"},

		{"secret id", secretIDProblem, "npm_token", ""},
		{"secret id", secretIDProblem, "gcs.key-1", ""},
		{"secret id", secretIDProblem, ".npmrc", ""},
		{"secret id", secretIDProblem, "", "secret id"},
		{"secret id", secretIDProblem, "a/b", "secret id"},
		{"secret id", secretIDProblem, "a b", "secret id"},
		{"secret id", secretIDProblem, ".", "secret id"},
		{"secret id", secretIDProblem, "..", "secret id"},

		{"secret file", secretFileProblem, "~/.netrc", ""},
		{"secret file", secretFileProblem, "secrets/npm", ""},
		{"secret file", secretFileProblem, "/etc/secret", ""},
		{"secret file", secretFileProblem, "a~b", ""},
		{"secret file", secretFileProblem, "~bob/.netrc", "~user"},
		{"secret file", secretFileProblem, "~", "not the home folder"},
		{"secret file", secretFileProblem, "~/", "not the home folder"},

		{"TLS file", hostFileProblem, "certs/ca.pem", ""},
		{"TLS file", hostFileProblem, "/etc/ca.pem", ""},
		{"TLS file", hostFileProblem, "~/ca.pem", "not expanded"},
	}
	for _, tt := range tests {
		got := tt.check(tt.value)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("%s %q: got %q, want %q", tt.rule, tt.value, got, tt.want)
		}
	}
}

func TestCacheOverWorkdir(t *testing.T) {
	tests := []struct {
		cache, workdir string
		hides          bool
	}{
		{"/go/pkg/mod", "/src", false},
		{"/src/node_modules", "/src", false},
		{"/srcx", "/src", false},
		{"/root/.cache", "/", false},
		{"/src", "/src", true},
		{"/src", "/src/", true},
		{"/go", "/go/src/x", true},
	}
	for _, tt := range tests {
		if got := cacheOverWorkdir(tt.cache, tt.workdir); (got != "") != tt.hides {
			t.Errorf("cacheOverWorkdir(%q, %q) = %q, want hides=%v", tt.cache, tt.workdir, got, tt.hides)
		}
	}
}

func TestSecretFile(t *testing.T) {
	tests := []struct{ in, want string }{
		{"~/.netrc", "~/.netrc"},
		{"secrets/npm", "/m/secrets/npm"},
		{"../npm", "/npm"},
		{"/etc/./npm", "/etc/npm"},
	}
	for _, tt := range tests {
		if got := secretFile("/m", tt.in); got != tt.want {
			t.Errorf("secretFile(/m, %q) = %q, want %q", tt.in, got, tt.want)
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
