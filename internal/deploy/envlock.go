package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// leaseSeconds is how long a lock outlives a deploy that died holding it;
// a live deploy renews it every third of that.
const leaseSeconds = 60

// LockedError is a deploy refused because another one holds the
// environment.
type LockedError struct {
	Env, Holder string
	Renewed     time.Time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("another deploy to %s is running (%s, alive at %s); wait for it to finish — a deploy that died frees the lock %ds after that",
		e.Env, e.Holder, e.Renewed.Format(time.RFC3339), leaseSeconds)
}

// LeaseLostError stops a deploy that no longer holds its environment's
// lock: another run may be deploying, so this one must not write anything
// more, not even its release record.
type LeaseLostError struct {
	Env    string
	Holder string // the new holder, "" when the lease could not be renewed
	Err    error  // why it could not be renewed
}

func (e *LeaseLostError) Error() string {
	msg := fmt.Sprintf("lost the lock on %s, stopped before writing anything more", e.Env)
	if e.Holder != "" {
		msg += fmt.Sprintf(": %s holds it now", e.Holder)
	} else {
		msg += fmt.Sprintf(": could not renew it for %ds (%v)", leaseSeconds, e.Err)
	}
	return msg + "; check what runs with x-platform history, then deploy again"
}

// envLock is a Lease in the environment's namespace that one deploy or
// rollback holds at a time, so two of them never interleave their applies
// and release records.
type envLock struct {
	client   kubernetes.Interface
	ns, name string
	holder   string
	now      func() time.Time
	// every is how often the lease is renewed, and retry how soon a failed
	// renewal is tried again; 0 means a third of the lease and 2s.
	every, retry time.Duration
}

func newEnvLock(client kubernetes.Interface, ns, env string) *envLock {
	return &envLock{client: client, ns: ns, name: "x-platform.lock." + env, holder: holderID(), now: time.Now}
}

// holderID names this run: the host and pid say where it runs, and the
// random part keeps two runs apart that share both, as containers on one
// host do (each is pid 1 of its own namespace, often with one hostname).
func holderID() string {
	host, _ := os.Hostname()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s pid %d run %s", host, os.Getpid(), hex.EncodeToString(b))
}

// acquire takes the lock, or returns a *LockedError when a live holder has
// it, and keeps it renewed until release is called. The returned context is
// cancelled, with a *LeaseLostError as its cause, as soon as the lock is
// lost; everything the deploy does after taking the lock runs in it.
func (l *envLock) acquire(ctx context.Context, env string) (held context.Context, release func(), err error) {
	leases := l.client.CoordinationV1().Leases(l.ns)
	now := metav1.NewMicroTime(l.now())
	lease, err := leases.Get(ctx, l.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		lease, err = leases.Create(ctx, l.lease(now), metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return l.acquire(ctx, env)
		}
	case err != nil:
	case l.live(lease):
		return nil, nil, &LockedError{Env: env, Holder: deref(lease.Spec.HolderIdentity), Renewed: lease.Spec.RenewTime.Time}
	default:
		taken := l.lease(now)
		taken.ResourceVersion = lease.ResourceVersion
		lease, err = leases.Update(ctx, taken, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			return l.acquire(ctx, env)
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("locking %s: %w", env, err)
	}
	held, lose := context.WithCancelCause(ctx)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := l.renew(lease, stop, env); err != nil {
			lose(err)
		}
	}()
	return held, func() {
		close(stop)
		<-done
		lose(context.Canceled)
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		// Only our own lease goes: one that expired may have a new holder.
		cur, err := leases.Get(bg, l.name, metav1.GetOptions{})
		if err != nil || deref(cur.Spec.HolderIdentity) != l.holder {
			return
		}
		rv := cur.ResourceVersion
		_ = leases.Delete(bg, l.name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &rv}})
	}, nil
}

func (l *envLock) lease(now metav1.MicroTime) *coordinationv1.Lease {
	seconds := int32(leaseSeconds)
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: l.name, Namespace: l.ns, Labels: map[string]string{"app.kubernetes.io/managed-by": "x-platform"}},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity: &l.holder, LeaseDurationSeconds: &seconds, AcquireTime: &now, RenewTime: &now,
		},
	}
}

// holderNow names the run that holds the lock now, or "" when none does.
func (l *envLock) holderNow(ctx context.Context) (string, error) {
	lease, err := l.client.CoordinationV1().Leases(l.ns).Get(ctx, l.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the lease %s/%s: %w", l.ns, l.name, err)
	}
	if !l.live(lease) {
		return "", nil
	}
	return *lease.Spec.HolderIdentity, nil
}

// live tells whether a lease's holder renewed it recently enough.
func (l *envLock) live(lease *coordinationv1.Lease) bool {
	s := lease.Spec
	if s.HolderIdentity == nil || s.RenewTime == nil || s.LeaseDurationSeconds == nil {
		return false
	}
	return l.now().Before(s.RenewTime.Add(time.Duration(*s.LeaseDurationSeconds) * time.Second))
}

// renew keeps the lease fresh until stop is closed. It returns a
// *LeaseLostError when another run took the lease, or when no renewal got
// through before the lease would expire and another run may take it.
func (l *envLock) renew(held *coordinationv1.Lease, stop <-chan struct{}, env string) error {
	every, retry := l.every, l.retry
	if every <= 0 {
		every = leaseSeconds * time.Second / 3
	}
	if retry <= 0 {
		retry = 2 * time.Second
	}
	// Give up a little before the lease expires: past that, another run may
	// already be applying.
	expires := func() time.Time { return held.Spec.RenewTime.Add(leaseSeconds*time.Second - every/2) }
	wait := every
	for {
		select {
		case <-stop:
			return nil
		case <-time.After(wait):
		}
		updated, err := l.renewOnce()
		var lost *LeaseLostError
		switch {
		case errors.As(err, &lost):
			lost.Env = env
			return lost
		case err == nil:
			held, wait = updated, every
		case !l.now().Before(expires()):
			return &LeaseLostError{Env: env, Err: err}
		default:
			wait = retry
		}
	}
}

// renewOnce writes a new renew time into the lease, if it still names us.
// It reads the lease first rather than trusting the resource version of our
// last write: a lease another run took must never be taken back here.
func (l *envLock) renewOnce() (*coordinationv1.Lease, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	leases := l.client.CoordinationV1().Leases(l.ns)
	cur, err := leases.Get(ctx, l.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil, &LeaseLostError{Holder: "nobody (the lease was deleted)"}
	case err != nil:
		return nil, err
	case deref(cur.Spec.HolderIdentity) != l.holder:
		return nil, &LeaseLostError{Holder: deref(cur.Spec.HolderIdentity)}
	}
	next := cur.DeepCopy()
	now := metav1.NewMicroTime(l.now())
	next.Spec.RenewTime = &now
	// A conflict means someone wrote the lease since we read it: the next
	// round reads it again and says who.
	return leases.Update(ctx, next, metav1.UpdateOptions{})
}

func deref(s *string) string {
	if s == nil {
		return "unknown"
	}
	return *s
}
