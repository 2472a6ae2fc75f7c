package app

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/x-platform/x-platform/internal/deploy/applyset"
)

// TestIntegrationDeployRefusesTwoEnvironmentsInOneNamespace: two
// environments that name one namespace on one cluster would adopt and
// prune each other's objects; the deploy is refused as a configuration
// error before the cluster is asked anything.
func TestIntegrationDeployRefusesTwoEnvironmentsInOneNamespace(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend")
	c.checkout()
	c.pushAll()
	c.deploy(ExitOK)
	before := c.snapshot()

	// qa's overlay names staging's namespace.
	c.write("k8s/overlays/qa/kustomization.yaml", "namespace: "+c.ns+"\nresources: [../../base/zbackend]\n")
	for _, env := range []string{"staging", "qa"} {
		code, _, stderr := c.run(t.Context(), "text", "deploy", "--env", env, "--kubeconfig", c.env.Kubeconfig)
		if code != ExitUsage || !strings.Contains(stderr, "both deploy to namespace "+c.ns) || !strings.Contains(stderr, "give each environment its own namespace") {
			t.Errorf("deploy --env %s sharing a namespace: exit %d\n%s", env, code, stderr)
		}
	}
	c.sameSnapshot("deploys refused for a shared namespace", before)

	// Its own namespace, and both deploy.
	c.write("k8s/overlays/qa/kustomization.yaml", "namespace: "+c.ns+"-qa\nresources: [../../base/zbackend]\n")
	c.deploy(ExitOK)
}

// TestIntegrationDeployNeverPrunesANamespace: an overlay that stops
// rendering the environment's own Namespace does not delete it — that
// would delete every object in it, the release records and the lock
// included. The namespace leaves the set and stays.
func TestIntegrationDeployNeverPrunesANamespace(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend")
	c.checkout()
	c.pushAll()
	c.write("k8s/overlays/staging/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: "+c.ns+"}\n")
	c.overlay("- namespace.yaml\n")
	c.deploy(ExitOK)
	ns, err := c.cs.CoreV1().Namespaces().Get(t.Context(), c.ns, metav1.GetOptions{})
	if err != nil || ns.Labels[applyset.PartOfLabel] == "" {
		t.Fatalf("the namespace is not a member of the set after the first deploy: %v %v", err, ns.Labels)
	}

	c.overlay("")
	r := c.deploy(ExitOK)
	if o := objectsByName(r)["namespace/"+c.ns]; o.Action != "orphaned" {
		t.Errorf("the namespace the overlay dropped: action %q, want orphaned", o.Action)
	}
	ns, err = c.cs.CoreV1().Namespaces().Get(t.Context(), c.ns, metav1.GetOptions{})
	if err != nil || ns.DeletionTimestamp != nil {
		t.Fatalf("the namespace was deleted: %v", err)
	}
	if _, ok := ns.Labels[applyset.PartOfLabel]; ok {
		t.Errorf("the namespace is still a member of the set: %v", ns.Labels)
	}
	code, out, stderr := c.run(t.Context(), "text", "history", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitOK || strings.Count(out, "deployed")+strings.Count(out, "superseded") != 2 {
		t.Fatalf("history after the namespace left the overlay: exit %d\n%s%s", code, out, stderr)
	}
	// The next deploy does not see it again.
	if r := c.deploy(ExitOK); r.Revision != 2 || !r.Unchanged {
		t.Errorf("deploy after: revision %d unchanged %v", r.Revision, r.Unchanged)
	}
}
