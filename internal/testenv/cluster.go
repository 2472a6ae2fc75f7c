package testenv

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// The test cluster is a real control plane without kubelets: etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler, built from the module in test/cluster, with
// kwok playing the part of the nodes. kwok marks fake nodes Ready and moves the pods
// scheduled on them through the stages in test/cluster/stages/kwok.yaml, so Deployments
// roll out with images that exist nowhere and nothing is pulled.
//
// One cluster serves every test of a test binary: it takes seconds to start, and tests
// keep apart by working in their own namespace (ClusterEnv.Namespace). A package that
// calls Cluster stops it from TestMain with StopCluster; should that be missed, its
// processes die with the test binary anyway (they are started with a parent-death signal).

// WaitingReasonLabel, put on a pod template, makes its pods fail the way a broken image
// does: kwok leaves every container waiting with the label's value as the reason
// (CrashLoopBackOff, ImagePullBackOff, ErrImagePull, ...) and the pod never turns Ready.
// With CrashLoopBackOff the pod is Running with one restart; otherwise it stays Pending.
const WaitingReasonLabel = "x-platform.test/waiting-reason"

// FakeNodeAnnotation marks the nodes that kwok manages; every node of the test cluster
// carries it. The nodes have no kwok taint, so ordinary manifests schedule on them.
const FakeNodeAnnotation = "kwok.x-k8s.io/node"

// ClusterEnv describes the running test cluster.
type ClusterEnv struct {
	Kubeconfig string   // path of a kubeconfig whose current context is the cluster's admin
	Server     string   // https://127.0.0.1:port of kube-apiserver
	Token      string   // bearer token of an admin in group system:masters
	CAData     []byte   // PEM certificates that verify Server
	Nodes      []string // names of the fake nodes, all Ready
	LogDir     string   // where each process writes <name>.log
}

// RESTConfig returns a client configuration for the cluster's admin.
func (c *ClusterEnv) RESTConfig() *rest.Config {
	return &rest.Config{
		Host:            c.Server,
		BearerToken:     c.Token,
		TLSClientConfig: rest.TLSClientConfig{CAData: c.CAData},
		QPS:             50,
		Burst:           100,
	}
}

// Clientset returns a typed client of the cluster's admin.
func (c *ClusterEnv) Clientset(t testing.TB) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(c.RESTConfig())
	if err != nil {
		t.Fatalf("creating a Kubernetes client: %v", err)
	}
	return cs
}

// Namespace creates a namespace named after the test and deletes it when the test ends.
func (c *ClusterEnv) Namespace(t testing.TB) string {
	t.Helper()
	cs := c.Clientset(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: UniqueName(t, "ns")}}
	if _, err := cs.CoreV1().Namespaces().Create(t.Context(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating namespace %s: %v", ns.Name, err)
	}
	t.Cleanup(func() {
		err := cs.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("deleting namespace %s: %v", ns.Name, err)
		}
	})
	return ns.Name
}

var sharedCluster struct {
	mu  sync.Mutex
	env *ClusterEnv
	cp  *controlPlane
	err error // a failed start is not retried within the test binary
}

// Cluster returns the test binary's cluster, starting it on the first call. The first
// call on a machine also builds the control plane's programs, which takes minutes.
func Cluster(t testing.TB) *ClusterEnv {
	t.Helper()
	sharedCluster.mu.Lock()
	defer sharedCluster.mu.Unlock()
	if sharedCluster.env == nil && sharedCluster.err == nil {
		sharedCluster.env, sharedCluster.cp, sharedCluster.err = startCluster(t)
	}
	if sharedCluster.err != nil {
		t.Fatalf("starting the test cluster: %v", sharedCluster.err)
	}
	env := *sharedCluster.env
	return &env
}

// StopCluster stops the processes of the cluster that Cluster started, if any, and removes
// its files. TestMain calls it after m.Run.
func StopCluster() {
	sharedCluster.mu.Lock()
	defer sharedCluster.mu.Unlock()
	if sharedCluster.cp != nil {
		sharedCluster.cp.stop()
		os.RemoveAll(sharedCluster.cp.dir)
	}
	sharedCluster.env, sharedCluster.cp, sharedCluster.err = nil, nil, nil
}

// startCluster builds the programs when needed and starts a control plane in a new
// temporary directory, reporting its progress to t.
func startCluster(t testing.TB) (*ClusterEnv, *controlPlane, error) {
	return bootCluster(t.Logf)
}

// StartCluster starts a control plane outside tests (the demo runs one) and
// returns it with the function that stops every process and removes its
// files. The first call on a machine builds the programs, which takes
// minutes; later ones take seconds.
func StartCluster(logf func(format string, args ...any)) (*ClusterEnv, func(), error) {
	env, cp, err := bootCluster(logf)
	if err != nil {
		return nil, nil, err
	}
	return env, func() {
		cp.stop()
		os.RemoveAll(cp.dir)
	}, nil
}

func bootCluster(logf func(format string, args ...any)) (*ClusterEnv, *controlPlane, error) {
	buildCtx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	bin, err := clusterBinaries(buildCtx, logf)
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "xp-cluster-")
	if err != nil {
		return nil, nil, fmt.Errorf("creating the cluster directory: %w", err)
	}
	cp := &controlPlane{dir: dir, bin: bin.dir}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	began := time.Now()
	env, err := cp.start(ctx, bin.stages)
	if err != nil {
		cp.stop()
		os.RemoveAll(dir)
		return nil, nil, err
	}
	logf("test cluster up in %s: %s, nodes %v", time.Since(began).Round(time.Millisecond), env.Server, env.Nodes)
	return env, cp, nil
}
