package deploy

import (
	"context"
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestEnvLock(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a := newEnvLock(client, "x-staging", "staging")
	a.holder, a.now = "laptop", clock
	b := newEnvLock(client, "x-staging", "staging")
	b.holder, b.now = "ci", clock

	release, err := a.acquire(ctx, "staging")
	if err != nil {
		t.Fatal(err)
	}
	var locked *LockedError
	if _, err := b.acquire(ctx, "staging"); !errors.As(err, &locked) || locked.Holder != "laptop" {
		t.Fatalf("second deploy while the first holds the lock: %v", err)
	}
	release()
	if _, err := client.CoordinationV1().Leases("x-staging").Get(ctx, a.name, metav1.GetOptions{}); err == nil {
		t.Fatal("release left the lease behind")
	}
	releaseB, err := b.acquire(ctx, "staging")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}

	// A holder that died: once its lease expires, the next deploy takes it.
	now = now.Add(2 * leaseSeconds * time.Second)
	if _, err := a.acquire(ctx, "staging"); err != nil {
		t.Fatalf("taking an expired lock: %v", err)
	}
	lease, _ := client.CoordinationV1().Leases("x-staging").Get(ctx, a.name, metav1.GetOptions{})
	if *lease.Spec.HolderIdentity != "laptop" {
		t.Fatalf("holder = %s", *lease.Spec.HolderIdentity)
	}
	releaseB() // the stale holder's release must not remove the new holder's lease
	if _, err := client.CoordinationV1().Leases("x-staging").Get(ctx, a.name, metav1.GetOptions{}); err != nil {
		t.Fatalf("a stale release removed the live lease: %v", err)
	}
}
