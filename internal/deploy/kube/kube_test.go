package kube

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kubeconfig writes a kubeconfig with one context per server, the first current.
func kubeconfig(t *testing.T, servers map[string]string, current, namespace string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Config\nclusters:\n")
	for name, url := range servers {
		fmt.Fprintf(&b, "- name: %s\n  cluster: {server: %q, insecure-skip-tls-verify: true}\n", name, url)
	}
	b.WriteString("users: [{name: u, user: {token: secret}}]\ncontexts:\n")
	for name := range servers {
		fmt.Fprintf(&b, "- name: %s\n  context: {cluster: %s, user: u, namespace: %q}\n", name, name, namespace)
	}
	fmt.Fprintf(&b, "current-context: %s\n", current)
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func server(t *testing.T, status int) string {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/version" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if status == http.StatusOK {
			fmt.Fprint(w, `{"major":"1","minor":"37","gitVersion":"v1.37.2"}`)
		} else {
			fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","code":%d,"reason":"Unauthorized"}`, status)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func closed(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "https://" + addr
}

func TestConnect(t *testing.T) {
	t.Parallel()
	ok, denied, gone := server(t, http.StatusOK), server(t, http.StatusUnauthorized), closed(t)
	cfg := kubeconfig(t, map[string]string{"ok": ok, "denied": denied, "gone": gone}, "ok", "team")
	tests := []struct {
		name       string
		opts       Options
		wantNS     string
		wantConfig bool
		wantDown   bool
		wantIn     string
	}{
		{name: "current context", opts: Options{Kubeconfig: cfg}, wantNS: "team"},
		{name: "namespace override", opts: Options{Kubeconfig: cfg, Namespace: "other"}, wantNS: "other"},
		{name: "unknown context", opts: Options{Kubeconfig: cfg, Context: "nope"}, wantConfig: true, wantIn: "nope"},
		{name: "rejected credentials", opts: Options{Kubeconfig: cfg, Context: "denied"}, wantConfig: true, wantIn: "rejects the kubeconfig's credentials"},
		{name: "unreachable", opts: Options{Kubeconfig: cfg, Context: "gone"}, wantDown: true, wantIn: "reaching the cluster at " + gone},
		{name: "missing file", opts: Options{Kubeconfig: filepath.Join(t.TempDir(), "none")}, wantConfig: true, wantIn: "loading the kubeconfig"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Connect(t.Context(), tt.opts)
			var ce *ConfigError
			var ue *UnreachableError
			switch {
			case tt.wantConfig && !errors.As(err, &ce), tt.wantDown && !errors.As(err, &ue):
				t.Fatalf("error %v (%T)", err, err)
			case !tt.wantConfig && !tt.wantDown && err != nil:
				t.Fatalf("Connect: %v", err)
			case err != nil:
				if !strings.Contains(err.Error(), tt.wantIn) {
					t.Errorf("error %q does not contain %q", err, tt.wantIn)
				}
				return
			}
			if c.Namespace != tt.wantNS || !c.NamespaceExplicit || c.Server != ok {
				t.Errorf("namespace %q explicit %v server %q", c.Namespace, c.NamespaceExplicit, c.Server)
			}
		})
	}
}

func TestConnectWithoutNamespace(t *testing.T) {
	t.Parallel()
	cfg := kubeconfig(t, map[string]string{"ok": server(t, http.StatusOK)}, "ok", "")
	c, err := Connect(t.Context(), Options{Kubeconfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if c.Namespace != "default" || c.NamespaceExplicit || c.Context != "ok" {
		t.Errorf("namespace %q explicit %v context %q", c.Namespace, c.NamespaceExplicit, c.Context)
	}
}
