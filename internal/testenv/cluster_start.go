package testenv

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

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
		// Pod logs come from kwok's kubelet API at the nodes' InternalIP.
		"--kubelet-preferred-address-types=InternalIP",
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
	server, err := kwokServer(cp.dir)
	if err != nil {
		return nil, err
	}
	if _, err := cp.run("kwok", append([]string{
		"--kubeconfig=" + env.Kubeconfig,
		"--config=" + stages,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=" + FakeNodeAnnotation + "=fake",
		"--cidr=10.244.0.0/16",
		"--node-lease-duration-seconds=40",
	}, server...)...); err != nil {
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
