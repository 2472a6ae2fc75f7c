package deploy

import (
	"context"
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

// envLock is a Lease in the environment's namespace that one deploy or
// rollback holds at a time, so two of them never interleave their applies
// and release records.
type envLock struct {
	client   kubernetes.Interface
	ns, name string
	holder   string
	now      func() time.Time
}

func newEnvLock(client kubernetes.Interface, ns, env string) *envLock {
	host, _ := os.Hostname()
	return &envLock{
		client: client, ns: ns, name: "x-platform.lock." + env,
		holder: fmt.Sprintf("%s pid %d", host, os.Getpid()), now: time.Now,
	}
}

// acquire takes the lock, or returns a *LockedError when a live holder has
// it, and keeps it renewed until release is called.
func (l *envLock) acquire(ctx context.Context, env string) (release func(), err error) {
	leases := l.client.CoordinationV1().Leases(l.ns)
	now := metav1.NewMicroTime(l.now())
	held, err := leases.Get(ctx, l.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		held, err = leases.Create(ctx, l.lease(now), metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return l.acquire(ctx, env)
		}
	case err != nil:
	case l.live(held):
		return nil, &LockedError{Env: env, Holder: deref(held.Spec.HolderIdentity), Renewed: held.Spec.RenewTime.Time}
	default:
		taken := l.lease(now)
		taken.ResourceVersion = held.ResourceVersion
		held, err = leases.Update(ctx, taken, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			return l.acquire(ctx, env)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", env, err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go l.renew(held, stop, done)
	return func() {
		close(stop)
		<-done
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

// live tells whether a lease's holder renewed it recently enough.
func (l *envLock) live(lease *coordinationv1.Lease) bool {
	s := lease.Spec
	if s.HolderIdentity == nil || s.RenewTime == nil || s.LeaseDurationSeconds == nil {
		return false
	}
	return l.now().Before(s.RenewTime.Add(time.Duration(*s.LeaseDurationSeconds) * time.Second))
}

// renew keeps the lease fresh while the deploy runs.
func (l *envLock) renew(held *coordinationv1.Lease, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(leaseSeconds * time.Second / 3)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			now := metav1.NewMicroTime(l.now())
			held.Spec.RenewTime = &now
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if updated, err := l.client.CoordinationV1().Leases(l.ns).Update(ctx, held, metav1.UpdateOptions{}); err == nil {
				held = updated
			}
			cancel()
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "unknown"
	}
	return *s
}
