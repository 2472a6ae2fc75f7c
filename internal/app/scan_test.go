package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScanBadInput: scan's usage and configuration mistakes are exit 2,
// each said before any registry or image is asked.
func TestScanBadInput(t *testing.T) {
	t.Setenv(VulnDBEnv, "")
	dir := t.TempDir()
	svc := "registry: 127.0.0.1:1/x\nservices:\n  a:\n    dir: src/a\n    git: {remote: ./a.git, reference: master}\n    docker: {image: a}\n"
	write := func(name, body string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	none := write("none.yml", svc)
	corrupt := write("corrupt.yml", "vulnerabilities: {database: osv/all.zip, failOn: high}\n"+svc)
	write("osv/all.zip", "not a zip")
	bad := write("bad/GO-1.json", `{"id": "GO-1", "affected": [{"package": {"name": "x"}}]}`)
	badAdvisory := write("bad.yml", "vulnerabilities: {database: bad}\n"+svc)
	severity := write("severity.yml", "vulnerabilities: {failOn: severe}\n"+svc)

	tests := []struct {
		name   string
		file   string
		args   []string
		stderr string
	}{
		{"no database", none, []string{"scan"}, "no advisory database: set vulnerabilities.database in x-platform.yml or XP_VULN_DB"},
		{"an argument", none, []string{"scan", "a"}, "scan takes no arguments"},
		{"unknown service", none, []string{"scan", "--services", "zz"}, "unknown service zz"},
		{"corrupt zip", corrupt, []string{"scan"}, "reading the advisory database: " + filepath.Join(dir, "osv", "all.zip") + ": zip: not a valid zip file"},
		{"advisory without ecosystem", badAdvisory, []string{"scan"}, "reading the advisory database: " + bad + ": GO-1: affected[0] names no package"},
		{"unknown severity", severity, []string{"scan"}, `vulnerabilities.failOn: unknown severity "severe"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Run(context.Background(), append([]string{"x-platform", "--file", tt.file}, tt.args...), Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
			if code != ExitUsage || !strings.Contains(errOut.String(), tt.stderr) || out.Len() != 0 {
				t.Errorf("exit %d, want %d; stderr %q, want it to contain %q; stdout %q", code, ExitUsage, errOut.String(), tt.stderr, out.String())
			}
		})
	}
}
