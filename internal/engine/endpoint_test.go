package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeContext stores a context the way `docker context create` does.
func writeContext(t *testing.T, cfgDir, name, meta string, tlsFiles ...string) {
	t.Helper()
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	dir := filepath.Join(cfgDir, "contexts", "meta", id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "meta.json"), []byte(meta), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range tlsFiles {
		tdir := filepath.Join(cfgDir, "contexts", "tls", id, "docker")
		if err := os.MkdirAll(tdir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tdir, f), []byte("pem"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestResolve(t *testing.T) {
	home := t.TempDir()
	cfg := filepath.Join(home, ".docker")
	writeContext(t, cfg, "remote", `{"Name":"remote","Endpoints":{"docker":{"Host":"tcp://10.0.0.5:2376","SkipTLSVerify":false}}}`, "ca.pem", "cert.pem", "key.pem")
	writeContext(t, cfg, "colima", `{"Name":"colima","Endpoints":{"docker":{"Host":"unix:///Users/a/.colima/default/docker.sock"}}}`)
	writeContext(t, cfg, "ssh", `{"Name":"ssh","Endpoints":{"docker":{"Host":"ssh://ci@build-1"}}}`)
	certs := t.TempDir()
	if err := os.WriteFile(filepath.Join(certs, "ca.pem"), []byte("pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	current := t.TempDir()
	writeContext(t, current, "colima", `{"Name":"colima","Endpoints":{"docker":{"Host":"unix:///c.sock"}}}`)
	if err := os.WriteFile(filepath.Join(current, "config.json"), []byte(`{"auths":{},"currentContext":"colima"}`), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		env    map[string]string
		host   string
		source string
		local  bool
		tls    *TLS
	}{
		{name: "DOCKER_HOST unix", env: map[string]string{"DOCKER_HOST": "unix:///run/x.sock"}, host: "unix:///run/x.sock", source: "DOCKER_HOST", local: true},
		{name: "DOCKER_HOST tcp", env: map[string]string{"DOCKER_HOST": "tcp://docker:2375"}, host: "tcp://docker:2375", source: "DOCKER_HOST"},
		{name: "DOCKER_HOST tcp with TLS", env: map[string]string{"DOCKER_HOST": "tcp://docker:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": certs},
			host: "tcp://docker:2376", source: "DOCKER_HOST", tls: &TLS{CA: filepath.Join(certs, "ca.pem")}},
		{name: "DOCKER_HOST ssh", env: map[string]string{"DOCKER_HOST": "ssh://me@box:2222"}, host: "ssh://me@box:2222", source: "DOCKER_HOST"},
		{name: "DOCKER_HOST beats DOCKER_CONTEXT", env: map[string]string{"DOCKER_HOST": "tcp://a:2375", "DOCKER_CONTEXT": "remote"}, host: "tcp://a:2375", source: "DOCKER_HOST"},
		{name: "DOCKER_CONTEXT with TLS", env: map[string]string{"DOCKER_CONTEXT": "remote"}, host: "tcp://10.0.0.5:2376", source: `docker context "remote"`,
			tls: &TLS{CA: ctxFile(cfg, "remote", "ca.pem"), Cert: ctxFile(cfg, "remote", "cert.pem"), Key: ctxFile(cfg, "remote", "key.pem")}},
		{name: "DOCKER_CONTEXT unix", env: map[string]string{"DOCKER_CONTEXT": "colima"}, host: "unix:///Users/a/.colima/default/docker.sock", source: `docker context "colima"`, local: true},
		{name: "DOCKER_CONTEXT ssh", env: map[string]string{"DOCKER_CONTEXT": "ssh"}, host: "ssh://ci@build-1", source: `docker context "ssh"`},
		{name: "current context", env: map[string]string{"DOCKER_CONFIG": current}, host: "unix:///c.sock", source: `docker context "colima"`, local: true},
		{name: "default context", env: map[string]string{"DOCKER_CONTEXT": "default"}, host: DefaultHost, source: "the default socket", local: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"HOME": home}
			for k, v := range tt.env {
				env[k] = v
			}
			// An empty XDG_RUNTIME_DIR and a HOME without sockets leave
			// only /var/run/docker.sock, whether or not it exists here.
			ep, err := Resolve(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if ep.Host != tt.host || ep.Source != tt.source || ep.Local() != tt.local {
				t.Fatalf("Resolve = %+v (local %v), want host %s from %s (local %v)", ep, ep.Local(), tt.host, tt.source, tt.local)
			}
			if (ep.TLS == nil) != (tt.tls == nil) || (ep.TLS != nil && *ep.TLS != *tt.tls) {
				t.Fatalf("TLS = %+v, want %+v", ep.TLS, tt.tls)
			}
		})
	}
}

func ctxFile(cfg, name, file string) string {
	sum := sha256.Sum256([]byte(name))
	return filepath.Join(cfg, "contexts", "tls", hex.EncodeToString(sum[:]), "docker", file)
}

func TestResolveErrors(t *testing.T) {
	home := t.TempDir()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{name: "unknown context", env: map[string]string{"DOCKER_CONTEXT": "nope"}, want: `docker context "nope" (from DOCKER_CONTEXT): no such context`},
		{name: "bad scheme", env: map[string]string{"DOCKER_HOST": "http://x:2375"}, want: `unsupported scheme "http"`},
		{name: "no scheme", env: map[string]string{"DOCKER_HOST": "/var/run/docker.sock"}, want: "no scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"HOME": home}
			for k, v := range tt.env {
				env[k] = v
			}
			_, err := Resolve(func(k string) string { return env[k] })
			var ce *ConfigError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Resolve error = %v, want a ConfigError containing %q", err, tt.want)
			}
		})
	}
}

func TestFirstSocket(t *testing.T) {
	home := t.TempDir()
	env := func(k string) string { return map[string]string{"HOME": home, "XDG_RUNTIME_DIR": "/run/user/1000"}[k] }
	candidates := Sockets(env)
	want := []string{home + "/.docker/run/docker.sock", "/var/run/docker.sock", home + "/.colima/default/docker.sock", home + "/.colima/docker.sock", "/run/user/1000/docker.sock"}
	if strings.Join(candidates, " ") != strings.Join(want, " ") {
		t.Fatalf("Sockets = %q, want %q", candidates, want)
	}
	// A plain file is not an engine; the Colima socket after it is.
	colima, file := candidates[2], candidates[3]
	if err := os.MkdirAll(filepath.Dir(colima), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", colima)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got := firstSocket([]string{file, colima}); got != "unix://"+colima {
		t.Fatalf("firstSocket = %q, want the Colima socket", got)
	}
	if got := firstSocket([]string{file, candidates[4]}); got != DefaultHost {
		t.Fatalf("firstSocket without sockets = %q, want %q", got, DefaultHost)
	}
	// Docker Desktop's socket in the HOME comes before the system's.
	desktop := candidates[0]
	if err := os.MkdirAll(filepath.Dir(desktop), 0o755); err != nil {
		t.Fatal(err)
	}
	ld, err := net.Listen("unix", desktop)
	if err != nil {
		t.Fatal(err)
	}
	defer ld.Close()
	if ep, err := Resolve(env); err != nil || ep.Host != "unix://"+desktop {
		t.Fatalf("Resolve with Docker Desktop running = %+v, %v", ep, err)
	}
}

func TestSSHTarget(t *testing.T) {
	for host, want := range map[string]string{
		"ssh://me@box:2222":       "-p 2222 me@box",
		"ssh://box":               "box",
		"ssh://ci@10.0.0.1/run/d": "ci@10.0.0.1",
	} {
		if got := sshTarget(host); got != want {
			t.Errorf("sshTarget(%q) = %q, want %q", host, got, want)
		}
	}
}
