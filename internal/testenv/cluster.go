package testenv

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
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
	buildCtx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	bin, err := clusterBinaries(buildCtx, t.Logf)
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
	t.Logf("test cluster up in %s: %s, nodes %v", time.Since(began).Round(time.Millisecond), env.Server, env.Nodes)
	return env, cp, nil
}

// controlPlane is the set of processes of one cluster and the directory they work in.
type controlPlane struct {
	dir   string
	bin   string
	procs []*controlProc
}

func (cp *controlPlane) start(ctx context.Context, stages string) (*ClusterEnv, error) {
	etcdURL, err := cp.startEtcd(ctx)
	if err != nil {
		return nil, err
	}
	env := &ClusterEnv{LogDir: cp.dir, Kubeconfig: filepath.Join(cp.dir, "kubeconfig")}
	if env.Token, err = randomToken(16); err != nil {
		return nil, err
	}
	saKey := filepath.Join(cp.dir, "sa.key")
	if err := writeRSAKey(saKey); err != nil {
		return nil, err
	}
	tokens := filepath.Join(cp.dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(env.Token+`,admin,admin,"system:masters"`+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("writing the token file: %w", err)
	}
	port, err := freeLoopbackPort()
	if err != nil {
		return nil, err
	}
	env.Server = fmt.Sprintf("https://127.0.0.1:%d", port)
	certDir := filepath.Join(cp.dir, "pki")
	apiserver, err := cp.run("kube-apiserver",
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir="+certDir,
		"--token-auth-file="+tokens,
		"--authorization-mode=Node,RBAC",
		"--service-account-key-file="+saKey,
		"--service-account-signing-key-file="+saKey,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range=10.96.0.0/16",
		"--allow-privileged=true",
		// The only address is loopback, which a Service's endpoints may not hold.
		"--endpoint-reconciler-type=none",
		"--profiling=false",
	)
	if err != nil {
		return nil, err
	}
	// Without --tls-cert-file the server makes a certificate and its CA and writes them,
	// chained, to apiserver.crt; clients trust that CA.
	if env.CAData, err = waitReadyz(ctx, apiserver, env.Server, env.Token, filepath.Join(certDir, "apiserver.crt")); err != nil {
		return nil, err
	}
	caFile := filepath.Join(cp.dir, "ca.crt")
	if err := os.WriteFile(caFile, env.CAData, 0o644); err != nil {
		return nil, fmt.Errorf("writing the CA file: %w", err)
	}
	if err := writeKubeconfig(env); err != nil {
		return nil, err
	}
	if _, err := cp.run("kube-controller-manager",
		"--kubeconfig="+env.Kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--use-service-account-credentials=false",
		"--service-account-private-key-file="+saKey,
		"--root-ca-file="+caFile,
		"--cluster-name=x-platform-test",
		"--profiling=false",
	); err != nil {
		return nil, err
	}
	if _, err := cp.run("kube-scheduler",
		"--kubeconfig="+env.Kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--profiling=false",
	); err != nil {
		return nil, err
	}
	if _, err := cp.run("kwok",
		"--kubeconfig="+env.Kubeconfig,
		"--config="+stages,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector="+FakeNodeAnnotation+"=fake",
		"--cidr=10.244.0.0/16",
		"--node-lease-duration-seconds=40",
	); err != nil {
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(env.RESTConfig())
	if err != nil {
		return nil, fmt.Errorf("creating a Kubernetes client: %w", err)
	}
	if env.Nodes, err = cp.createNodes(ctx, cs, 2); err != nil {
		return nil, err
	}
	return env, cp.waitFor(ctx, "the default service account", func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
}

// startEtcd starts etcd on ports it picks and returns its client URL, which it prints
// once it serves.
func (cp *controlPlane) startEtcd(ctx context.Context) (string, error) {
	p, err := cp.run("etcd", "-data-dir="+filepath.Join(cp.dir, "etcd"))
	if err != nil {
		return "", err
	}
	select {
	case url, ok := <-p.firstLine:
		if ok && strings.HasPrefix(url, "http://") {
			return url, nil
		}
		return "", p.failure(fmt.Errorf("etcd printed %q instead of its URL", url))
	case <-ctx.Done():
		return "", p.failure(fmt.Errorf("waiting for etcd: %w", ctx.Err()))
	}
}

// createNodes registers n fake nodes for kwok and waits until all are Ready.
func (cp *controlPlane) createNodes(ctx context.Context, cs kubernetes.Interface, n int) ([]string, error) {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("32"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse("250"),
	}
	var names []string
	for i := range n {
		name := fmt.Sprintf("kwok-node-%d", i)
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name: name,
				Annotations: map[string]string{
					FakeNodeAnnotation:             "fake",
					"node.alpha.kubernetes.io/ttl": "0",
				},
				Labels: map[string]string{
					"kubernetes.io/hostname":        name,
					"kubernetes.io/os":              "linux",
					"kubernetes.io/arch":            "amd64",
					"kubernetes.io/role":            "agent",
					"node-role.kubernetes.io/agent": "",
					"type":                          "kwok",
				},
			},
			Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
		}
		if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("creating node %s: %w", name, err)
		}
		names = append(names, name)
	}
	return names, cp.waitFor(ctx, "nodes to be Ready", func(ctx context.Context) (bool, error) {
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		ready := 0
		for _, node := range nodes.Items {
			for _, c := range node.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		return ready == n, nil
	})
}

// waitFor polls done until it holds, failing early when a process of the control plane
// has exited.
func (cp *controlPlane) waitFor(ctx context.Context, what string, done wait.ConditionWithContextFunc) error {
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		for _, p := range cp.procs {
			if p.exited() {
				return false, p.failure(errors.New("exited early"))
			}
		}
		return done(ctx)
	})
	if err != nil {
		var tails []string
		for _, p := range cp.procs {
			tails = append(tails, p.tail())
		}
		return fmt.Errorf("waiting for %s: %w\n%s", what, err, strings.Join(tails, "\n"))
	}
	return nil
}

// waitReadyz waits until certFile exists and the server behind it answers /readyz.
func waitReadyz(ctx context.Context, p *controlProc, server, token, certFile string) ([]byte, error) {
	var ca []byte
	client := &http.Client{Timeout: 5 * time.Second}
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		if p.exited() {
			return false, errors.New("kube-apiserver exited")
		}
		if ca == nil {
			chain, err := os.ReadFile(certFile)
			if err != nil {
				return false, nil
			}
			pool := x509.NewCertPool()
			if ca = caCerts(chain); !pool.AppendCertsFromPEM(ca) {
				ca = nil
				return false, nil
			}
			client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, server+"/readyz", nil)
		if err != nil {
			return false, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		return nil, p.failure(fmt.Errorf("waiting for /readyz: %w", err))
	}
	return ca, nil
}

// caCerts returns the CA certificates of a PEM chain; the server's own certificate comes
// first, and ClusterTrustBundles refuse it.
func caCerts(chain []byte) []byte {
	var out []byte
	for rest := chain; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			return out
		}
		if cert, err := x509.ParseCertificate(block.Bytes); err == nil && cert.IsCA {
			out = append(out, pem.EncodeToMemory(block)...)
		}
	}
}

// writeKubeconfig writes env's admin credentials to env.Kubeconfig.
func writeKubeconfig(env *ClusterEnv) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["test"] = &clientcmdapi.Cluster{Server: env.Server, CertificateAuthorityData: env.CAData}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{Token: env.Token}
	cfg.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "admin", Namespace: "default"}
	cfg.CurrentContext = "test"
	if err := clientcmd.WriteToFile(*cfg, env.Kubeconfig); err != nil {
		return fmt.Errorf("writing the kubeconfig: %w", err)
	}
	return nil
}

func writeRSAKey(path string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("generating the service account key: %w", err)
	}
	block := &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return fmt.Errorf("writing the service account key: %w", err)
	}
	return nil
}

// freeLoopbackPort returns a loopback port that was free a moment ago.
func freeLoopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading random bytes: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// controlProc is one process of the control plane, with its output in <dir>/<name>.log.
type controlProc struct {
	name      string
	cmd       *exec.Cmd
	log       string
	firstLine chan string // the first line of stdout, then closed
	done      chan struct{}
}

// run starts bin/name with args in the cluster's directory. The process gets SIGKILL
// should the test binary die before stopping it.
func (cp *controlPlane) run(name string, args ...string) (*controlProc, error) {
	p := &controlProc{
		name:      name,
		log:       filepath.Join(cp.dir, name+".log"),
		firstLine: make(chan string, 1),
		done:      make(chan struct{}),
	}
	logFile, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("creating the log of %s: %w", name, err)
	}
	p.cmd = exec.Command(filepath.Join(cp.bin, name), args...)
	p.cmd.Dir = cp.dir
	p.cmd.Stderr = logFile
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := p.cmd.StdoutPipe()
	if err == nil {
		err = p.cmd.Start()
	}
	if err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	cp.procs = append(cp.procs, p)
	go func() {
		defer close(p.done)
		defer logFile.Close()
		r := bufio.NewReader(stdout)
		if line, err := r.ReadString('\n'); err == nil {
			p.firstLine <- strings.TrimSpace(line)
			logFile.WriteString(line)
		}
		close(p.firstLine)
		io.Copy(logFile, r)
		p.cmd.Wait()
	}()
	return p, nil
}

func (p *controlProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// failure adds the end of p's log to err.
func (p *controlProc) failure(err error) error {
	return fmt.Errorf("%s: %w\n%s", p.name, err, p.tail())
}

// tail returns the last lines of p's log under a heading.
func (p *controlProc) tail() string {
	data, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 25 {
		lines = lines[len(lines)-25:]
	}
	state := "running"
	if p.exited() {
		state = p.cmd.ProcessState.String()
	}
	return fmt.Sprintf("--- %s (%s), end of %s:\n%s", p.name, state, p.log, strings.Join(lines, "\n"))
}

// stop stops the processes in the reverse order of their start, each with SIGTERM and,
// if it is still running after five seconds, SIGKILL.
func (cp *controlPlane) stop() {
	for i := len(cp.procs) - 1; i >= 0; i-- {
		p := cp.procs[i]
		if !p.exited() {
			p.cmd.Process.Signal(syscall.SIGTERM)
		}
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
	}
	cp.procs = nil
}

// clusterPrograms are the packages of the test/cluster module that make a cluster.
var clusterPrograms = []string{
	"./cmd/etcd",
	"k8s.io/kubernetes/cmd/kube-apiserver",
	"k8s.io/kubernetes/cmd/kube-controller-manager",
	"k8s.io/kubernetes/cmd/kube-scheduler",
	"sigs.k8s.io/kwok/cmd/kwok",
}

type clusterBin struct {
	dir    string // holds one executable per program, named after its last path element
	stages string // kwok's stage configuration
}

// clusterBinaries returns the cluster's programs, building them when the cache holds none
// built from the current test/cluster module. The cache is
// ${XDG_CACHE_HOME:-~/.cache}/x-platform/cluster/<k8s version>-<go version>; a lock file
// keeps concurrent test binaries from building at once, and programs are built into a
// temporary directory and renamed into place, so nobody sees half a file.
func clusterBinaries(ctx context.Context, logf func(string, ...any)) (clusterBin, error) {
	src, err := clusterModule()
	if err != nil {
		return clusterBin{}, err
	}
	bin := clusterBin{stages: filepath.Join(src, "stages", "kwok.yaml")}
	goVersion, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return bin, fmt.Errorf("asking go for its version: %w", err)
	}
	goMod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return bin, fmt.Errorf("reading the cluster module: %w", err)
	}
	m := regexp.MustCompile(`(?m)^\s*k8s\.io/kubernetes\s+v(\d+)\.(\d+)\.\S+`).FindSubmatch(goMod)
	if m == nil {
		return bin, errors.New("reading the cluster module: it requires no k8s.io/kubernetes")
	}
	k8sVersion := strings.TrimSpace(string(m[0][bytes.IndexByte(m[0], 'v'):]))
	const v = "-X k8s.io/component-base/version."
	ldflags := fmt.Sprintf("-s -w %sgitVersion=%s %sgitMajor=%s %sgitMinor=%s %sgitTreeState=clean",
		v, k8sVersion, v, m[1], v, m[2], v)
	key, err := clusterSourceKey(src, string(goVersion), ldflags)
	if err != nil {
		return bin, err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return bin, fmt.Errorf("finding the cache directory: %w", err)
	}
	bin.dir = filepath.Join(cache, "x-platform", "cluster", k8sVersion+"-"+strings.TrimSpace(string(goVersion)))
	if err := os.MkdirAll(bin.dir, 0o755); err != nil {
		return bin, fmt.Errorf("creating the cache directory: %w", err)
	}
	unlock, err := flockFile(filepath.Join(bin.dir, ".lock"))
	if err != nil {
		return bin, err
	}
	defer unlock()
	stamp := filepath.Join(bin.dir, "stamp")
	if old, err := os.ReadFile(stamp); err == nil && string(old) == key {
		return bin, nil
	}
	logf("building the test cluster's programs into %s (once per version: minutes)", bin.dir)
	began := time.Now()
	tmp, err := os.MkdirTemp(bin.dir, ".build-")
	if err != nil {
		return bin, fmt.Errorf("creating a build directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	args := append([]string{"build", "-o", tmp + string(filepath.Separator), "-ldflags", ldflags}, clusterPrograms...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly -buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return bin, fmt.Errorf("building the test cluster's programs in %s: %w\n%s", src, err, out)
	}
	for _, pkg := range clusterPrograms {
		name := filepath.Base(pkg)
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(bin.dir, name)); err != nil {
			return bin, fmt.Errorf("moving %s into the cache: %w", name, err)
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, "stamp"), []byte(key), 0o644); err != nil {
		return bin, fmt.Errorf("writing the build stamp: %w", err)
	}
	if err := os.Rename(filepath.Join(tmp, "stamp"), stamp); err != nil {
		return bin, fmt.Errorf("writing the build stamp: %w", err)
	}
	logf("built the test cluster's programs in %s", time.Since(began).Round(time.Second))
	return bin, nil
}

// clusterModule finds test/cluster in the working directory or one of its parents.
func clusterModule() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the cluster module: %w", err)
	}
	for {
		src := filepath.Join(dir, "test", "cluster")
		if _, err := os.Stat(filepath.Join(src, "go.mod")); err == nil {
			return src, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("finding the cluster module: no test/cluster/go.mod above the working directory")
		}
		dir = parent
	}
}

// clusterSourceKey hashes what the programs are built from: the module's go.mod and go.sum, its
// own commands, the Go version and the linker flags.
func clusterSourceKey(src string, extra ...string) (string, error) {
	h := sha256.New()
	for _, s := range extra {
		fmt.Fprintf(h, "%q\n", s)
	}
	files := []string{filepath.Join(src, "go.mod"), filepath.Join(src, "go.sum")}
	err := filepath.WalkDir(filepath.Join(src, "cmd"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("listing the cluster module's commands: %w", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("hashing the cluster module: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(strings.TrimPrefix(f, src)), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// flockFile takes an exclusive flock on path, waiting for other processes to let go.
func flockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
