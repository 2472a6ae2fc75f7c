package app

import (
	"strings"
	"testing"
)

// TestIntegrationDiffMasksSecretsAndExitsOnChanges: diff never prints a
// Secret's values, says which keys changed, and exits 1 on changes, 0
// without, 2 when it cannot tell — so it can run in CI logs and gate a
// pipeline.
func TestIntegrationDiffMasksSecretsAndExitsOnChanges(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend")
	c.checkout()
	c.pushAll()
	secret := func(password string) {
		c.write("k8s/overlays/staging/secret.yaml", `apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {user: admin, password: `+password+`}
`)
	}
	secret("hunter2-old")
	c.overlay("- secret.yaml\n")
	c.deploy(ExitOK)

	code, out, stderr := c.run(t.Context(), "text", "diff", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitOK || !strings.Contains(out, "no changes") {
		t.Fatalf("diff without changes: exit %d\n%s%s", code, out, stderr)
	}

	secret("s3cr3t-new")
	code, out, stderr = c.run(t.Context(), "text", "diff", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitFailed {
		t.Fatalf("diff with a changed secret: exit %d, want 1\n%s%s", code, out, stderr)
	}
	for _, clear := range []string{"hunter2-old", "s3cr3t-new", "aHVudGVyMi1vbGQ=", "czNjcjN0LW5ldw==", "YWRtaW4="} {
		if strings.Contains(out+stderr, clear) {
			t.Errorf("diff prints the secret value %q:\n%s", clear, out)
		}
	}
	for _, line := range []string{"-  password: '*** (before)'\n", "+  password: '*** (after)'\n", "   user: '***'\n"} {
		if !strings.Contains(out, line) {
			t.Errorf("diff lacks %q:\n%s", line, out)
		}
	}

	// An unreachable cluster is not "no changes" nor "changes".
	closed := c.closedKubeconfig(t)
	code, _, stderr = c.run(t.Context(), "text", "diff", "--env", "staging", "--kubeconfig", closed)
	if code != ExitUsage {
		t.Fatalf("diff against an unreachable cluster: exit %d, want 2\n%s", code, stderr)
	}
}
