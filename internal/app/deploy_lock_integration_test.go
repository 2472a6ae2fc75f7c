package app

import (
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestIntegrationDeployRefusedWhileAnotherRuns: a deploy to an environment another
// deploy holds is refused before it touches anything.
func TestIntegrationDeployRefusedWhileAnotherRuns(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "zbackend")
	c.checkout()
	c.pushAll()
	c.deploy(ExitOK)

	holder, seconds, now := "ci-agent-7 pid 42", int32(60), metav1.NewMicroTime(time.Now())
	_, err := c.cs.CoordinationV1().Leases(c.ns).Create(t.Context(), &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "x-platform.lock.staging"},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &seconds, AcquireTime: &now, RenewTime: &now},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	next := c.remotes["zbackend"].Commit(t, "master", map[string]string{"v": "2"}, "next")
	c.checkout()
	c.push("zbackend", next)
	before := c.snapshot()
	code, _, stderr := c.run(t.Context(), "text", "deploy", "--env", "staging", "--kubeconfig", c.env.Kubeconfig)
	if code != ExitFailed || !strings.Contains(stderr, "another deploy to staging is running (ci-agent-7 pid 42") {
		t.Fatalf("deploy while locked: exit %d\n%s", code, stderr)
	}
	c.sameSnapshot("a deploy refused by the lock", before)

	// Once the holder is gone, the deploy goes ahead and frees the lock.
	if err := c.cs.CoordinationV1().Leases(c.ns).Delete(t.Context(), "x-platform.lock.staging", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if r := c.deploy(ExitOK); r.Revision != 2 {
		t.Fatalf("deploy after the lock was freed: revision %d", r.Revision)
	}
	if _, err := c.cs.CoordinationV1().Leases(c.ns).Get(t.Context(), "x-platform.lock.staging", metav1.GetOptions{}); err == nil {
		t.Fatal("the deploy left its lock behind")
	}
}
