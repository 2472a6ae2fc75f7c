package track

import (
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/testenv"
)

// outageSetup is a namespace of the test cluster, a client that reaches
// it directly, and one whose every request goes through a fault proxy.
type outageSetup struct {
	ns      string
	direct  *kube.Cluster
	proxied *kube.Cluster
	proxy   *testenv.FaultProxy
}

func newOutageSetup(t *testing.T) outageSetup {
	t.Helper()
	env := testenv.Cluster(t)
	direct, err := kube.New(env.RESTConfig(), "")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(env.Server)
	if err != nil {
		t.Fatal(err)
	}
	p := testenv.StartFaultProxy(t, u.Host)
	cfg := env.RESTConfig()
	cfg.Host = "https://" + p.Addr() // the certificate names 127.0.0.1, whatever the port
	proxied, err := kube.New(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	// Learn the kinds now, as a deploy does when it applies.
	if _, err := proxied.Mapper.RESTMapping(schema.GroupKind{Group: "apps", Kind: "Deployment"}, "v1"); err != nil {
		t.Fatal(err)
	}
	return outageSetup{ns: env.Namespace(t), direct: direct, proxied: proxied, proxy: p}
}

// outages records what OnUnreachable was told.
type outages struct {
	mu       sync.Mutex
	started  chan struct{}
	answered chan struct{}
	errs     []error
}

func newOutages() *outages {
	return &outages{started: make(chan struct{}), answered: make(chan struct{})}
}

func (o *outages) report(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.errs = append(o.errs, err)
	switch {
	case err != nil && len(o.errs) == 1:
		close(o.started)
	case err == nil:
		close(o.answered)
	}
}

// TestIntegrationTrackRidesOutAnAPIOutage: the API refuses every
// connection for a while during tracking; the tracker retries, and a
// rollout that becomes ready meanwhile is ready, not failed.
func TestIntegrationTrackRidesOutAnAPIOutage(t *testing.T) {
	o := newOutageSetup(t)
	ns, direct, proxied, p := o.ns, o.direct, o.proxied, o.proxy

	waiting := map[string]string{testenv.WaitingReasonLabel: "ContainerCreating"}
	live := applyAll(t, direct, ns, deployment("web", 2, waiting, nil, ""))
	r := &recorder{}
	tr := newTracker(t, proxied, r)
	down := newOutages()
	tracking := make(chan struct{})
	var once sync.Once
	tr.OnProgress = func(s Status) {
		r.progress(s)
		once.Do(func() { close(tracking) })
	}
	tr.OnUnreachable = down.report
	type result struct {
		st  []Status
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := tr.Track(t.Context(), live, 2*time.Minute)
		done <- result{st, err}
	}()

	<-tracking
	p.Set(testenv.Refuse)
	select {
	case <-down.started:
	case res := <-done:
		t.Fatalf("tracking ended when the API went away: %v", res.err)
	}
	// While the API is away the rollout completes: the pods of a new
	// template start.
	applyAll(t, direct, ns, deployment("web", 2, nil, nil, ""))
	faulted := p.Faulted()
	for p.Faulted() < faulted+3 {
		select {
		case res := <-done:
			t.Fatalf("tracking ended during the outage: %v", res.err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	p.Set(testenv.Pass)
	res := <-done
	if res.err != nil {
		t.Fatalf("tracking through an outage: %v\n%s", res.err, strings.Join(r.lines, "\n"))
	}
	if res.st[0].State != Ready {
		t.Fatalf("web is %s after the outage", res.st[0].State)
	}
	<-down.answered
}

// TestIntegrationTrackGivesUpOnASustainedOutage: an API that stays away
// longer than the bound ends tracking with an *UnreachableError — the
// outcome is unknown, not a failed rollout.
func TestIntegrationTrackGivesUpOnASustainedOutage(t *testing.T) {
	o := newOutageSetup(t)
	ns, direct, proxied, p := o.ns, o.direct, o.proxied, o.proxy
	live := applyAll(t, direct, ns, deployment("web", 1, map[string]string{testenv.WaitingReasonLabel: "ContainerCreating"}, nil, ""))
	tr := newTracker(t, proxied, &recorder{})
	tr.Outage = 3 * time.Second
	p.Set(testenv.Refuse)
	start := time.Now()
	_, err := tr.Track(t.Context(), live, 2*time.Minute)
	var unreachable *UnreachableError
	var failed *FailedError
	if !errors.As(err, &unreachable) || errors.As(err, &failed) || !strings.Contains(err.Error(), "the Kubernetes API was unreachable") || !strings.Contains(err.Error(), "outcome is unknown") {
		t.Fatalf("a sustained outage: %v, want an *UnreachableError", err)
	}
	if took := time.Since(start); took > time.Minute {
		t.Errorf("giving up took %s, far beyond the 3s bound", took)
	}
}
