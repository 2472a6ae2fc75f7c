package deploy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
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

	_, release, err := a.acquire(ctx, "staging")
	if err != nil {
		t.Fatal(err)
	}
	var locked *LockedError
	if _, _, err := b.acquire(ctx, "staging"); !errors.As(err, &locked) || locked.Holder != "laptop" {
		t.Fatalf("second deploy while the first holds the lock: %v", err)
	}
	release()
	if _, err := client.CoordinationV1().Leases("x-staging").Get(ctx, a.name, metav1.GetOptions{}); err == nil {
		t.Fatal("release left the lease behind")
	}
	_, releaseB, err := b.acquire(ctx, "staging")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}

	// A holder that died: once its lease expires, the next deploy takes it.
	now = now.Add(2 * leaseSeconds * time.Second)
	if _, _, err := a.acquire(ctx, "staging"); err != nil {
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

// clock is a settable time that the renewing goroutine reads.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestEnvLockHolderIsUniquePerRun(t *testing.T) {
	t.Parallel()
	a, b := holderID(), holderID()
	host, _ := os.Hostname()
	if a == b || !strings.HasPrefix(a, fmt.Sprintf("%s pid %d run ", host, os.Getpid())) {
		t.Fatalf("holder ids %q and %q: want host, pid and a part of their own", a, b)
	}
}

// TestEnvLockLostToAnotherHolder: when another run takes the lease (or it
// is deleted), the deploy's context ends with a *LeaseLostError naming the
// new holder, and releasing leaves the new holder's lease alone.
func TestEnvLockLostToAnotherHolder(t *testing.T) {
	t.Parallel()
	client := fake.NewClientset()
	l := newEnvLock(client, "ns", "staging")
	l.every, l.retry = 10*time.Millisecond, 10*time.Millisecond
	held, release, err := l.acquire(t.Context(), "staging")
	if err != nil {
		t.Fatal(err)
	}
	leases := client.CoordinationV1().Leases("ns")
	lease, err := leases.Get(t.Context(), l.name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other := "ci pid 1 run 0123"
	lease.Spec.HolderIdentity = &other
	if _, err := leases.Update(t.Context(), lease, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	<-held.Done()
	var lost *LeaseLostError
	if !errors.As(context.Cause(held), &lost) || lost.Holder != other || !strings.Contains(lost.Error(), "lost the lock on staging") {
		t.Fatalf("cause %v, want the lease lost to %s", context.Cause(held), other)
	}
	release()
	if cur, err := leases.Get(t.Context(), l.name, metav1.GetOptions{}); err != nil || *cur.Spec.HolderIdentity != other {
		t.Fatalf("release removed or changed the new holder's lease: %v", err)
	}
}

// TestEnvLockLostWhenRenewalsFail: renewals that keep failing until the
// lease would expire end the deploy: past that, another run may hold it.
func TestEnvLockLostWhenRenewalsFail(t *testing.T) {
	t.Parallel()
	client := fake.NewClientset()
	c := &clock{now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	l := newEnvLock(client, "ns", "staging")
	l.now, l.every, l.retry = c.Now, 10*time.Millisecond, 10*time.Millisecond
	// The reactor goes in before the lock's goroutine runs: the fake's
	// reactor chain is not safe to change while it is called.
	var failing atomic.Bool
	var failures atomic.Int64
	client.PrependReactor("update", "leases", func(k8stesting.Action) (bool, runtime.Object, error) {
		if !failing.Load() {
			return false, nil, nil
		}
		failures.Add(1)
		return true, nil, errors.New("connection refused")
	})
	held, release, err := l.acquire(t.Context(), "staging")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	failing.Store(true)
	// Failures within the lease's time are retried without ending the deploy.
	for failures.Load() < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	if held.Err() != nil {
		t.Fatalf("a few failed renewals ended the deploy: %v", context.Cause(held))
	}
	c.Add(leaseSeconds * time.Second)
	<-held.Done()
	var lost *LeaseLostError
	if !errors.As(context.Cause(held), &lost) || !strings.Contains(lost.Error(), "could not renew it") || !strings.Contains(lost.Error(), "connection refused") {
		t.Fatalf("cause %v, want renewals that failed", context.Cause(held))
	}
}
