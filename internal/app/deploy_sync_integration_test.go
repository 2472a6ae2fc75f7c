package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestIntegrationDeploySyncFailsBeforeTouchingTheCluster: deploy --sync
// syncs every checkout through the pipeline, in parallel; a checkout that
// cannot be synced stops the deploy before the cluster is asked anything,
// and the error names the service.
func TestIntegrationDeploySyncFailsBeforeTouchingTheCluster(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend", "zworker")
	c.pushAll()
	path := filepath.Join(c.root, "x-platform.yml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	gone := c.remotes["zworker"].URL + "-gone"
	c.write("x-platform.yml", strings.Replace(string(data), c.remotes["zworker"].URL, gone, 1))

	code, _, stderr := c.run(t.Context(), "text", "deploy", "--env", "staging", "--sync", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitFailed || !strings.Contains(stderr, "zworker: syncing src/zworker") || strings.Contains(stderr, "zbackend: ") {
		t.Errorf("deploy --sync with a remote that is gone: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(c.root, "src", "zbackend", ".git")); err != nil {
		t.Errorf("zbackend was not synced beside the failing zworker: %v", err)
	}
	deps, err := c.cs.AppsV1().Deployments(c.ns).List(t.Context(), metav1.ListOptions{})
	if err != nil || len(deps.Items) != 0 {
		t.Errorf("the cluster was touched: %d deployments, %v", len(deps.Items), err)
	}
}
