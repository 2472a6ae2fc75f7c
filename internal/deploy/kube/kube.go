package kube

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// Options choose a cluster as kubectl's flags do.
type Options struct {
	// Kubeconfig is a kubeconfig file; "" follows KUBECONFIG, then ~/.kube/config.
	Kubeconfig string
	// Context overrides the kubeconfig's current context.
	Context string
	// Namespace overrides the context's namespace.
	Namespace string
}

// Cluster is a connection to one cluster with the clients deploys use.
type Cluster struct {
	Context   string // the kubeconfig context in use; "" when built from a rest.Config
	Server    string
	Namespace string // Options.Namespace, else the context's, else "default"
	// NamespaceExplicit says whether Namespace was chosen by Options or the
	// context rather than defaulted.
	NamespaceExplicit bool

	Dynamic   dynamic.Interface
	Mapper    meta.ResettableRESTMapper
	Clientset kubernetes.Interface
}

// ConfigError is a kubeconfig that cannot be used: missing, invalid, naming
// an unknown context, or holding credentials the cluster rejects.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// UnreachableError is a cluster that does not answer.
type UnreachableError struct {
	Server string
	Err    error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("reaching the cluster at %s: %v", e.Server, e.Err)
}
func (e *UnreachableError) Unwrap() error { return e.Err }

// Connect loads the kubeconfig with client-go's standard rules, builds the
// clients and checks that the cluster answers.
func Connect(ctx context.Context, o Options) (*Cluster, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if o.Kubeconfig != "" {
		rules.ExplicitPath = o.Kubeconfig
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: o.Context}
	overrides.Context.Namespace = o.Namespace
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	cfg, err := cc.ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			err = fmt.Errorf("no kubeconfig found (pass --kubeconfig, set KUBECONFIG or create ~/.kube/config): %w", err)
		}
		return nil, &ConfigError{fmt.Errorf("loading the kubeconfig: %w", err)}
	}
	ns, explicit, err := cc.Namespace()
	if err != nil {
		return nil, &ConfigError{fmt.Errorf("reading the kubeconfig's namespace: %w", err)}
	}
	if o.Namespace != "" {
		ns, explicit = o.Namespace, true
	}
	if !explicit {
		if raw, err := cc.RawConfig(); err == nil {
			name := o.Context
			if name == "" {
				name = raw.CurrentContext
			}
			if c, ok := raw.Contexts[name]; ok && c.Namespace != "" {
				explicit = true
			}
		}
	}
	c, err := New(cfg, ns)
	if err != nil {
		return nil, err
	}
	c.NamespaceExplicit = explicit
	if raw, err := cc.RawConfig(); err == nil {
		c.Context = raw.CurrentContext
		if o.Context != "" {
			c.Context = o.Context
		}
	}
	if err := c.Ping(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// New builds the clients for cfg; namespace "" means "default".
func New(cfg *rest.Config, namespace string) (*Cluster, error) {
	cfg = rest.CopyConfig(cfg)
	// A deploy sends a burst of applies and lists; client-go's default of 5
	// requests a second would make a 30-service no-op take seconds.
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 100, 200
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, &ConfigError{fmt.Errorf("creating a Kubernetes client: %w", err)}
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, &ConfigError{fmt.Errorf("creating a Kubernetes client: %w", err)}
	}
	if namespace == "" {
		namespace = corev1.NamespaceDefault
	}
	return &Cluster{
		Server:    cfg.Host,
		Namespace: namespace,
		Dynamic:   dyn,
		Mapper:    restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(cs.Discovery())),
		Clientset: cs,
	}, nil
}

// Ping asks the cluster for its version, telling an unreachable cluster
// from one that rejects the credentials.
func (c *Cluster) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	err := c.Clientset.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Error()
	switch {
	case err == nil:
		return nil
	case apierrors.IsUnauthorized(err) || apierrors.IsForbidden(err):
		return &ConfigError{fmt.Errorf("the cluster at %s rejects the kubeconfig's credentials (expired? run your login or refresh command): %w", c.Server, err)}
	}
	return &UnreachableError{Server: c.Server, Err: err}
}

// Logs returns up to tail lines a container last wrote; previous asks for
// the run before the current one, which is where a crash-looping
// container's reason is.
func (c *Cluster) Logs(ctx context.Context, namespace, pod, container string, previous bool, tail int64) (string, error) {
	req := c.Clientset.CoreV1().Pods(namespace).GetLogs(pod, &corev1.PodLogOptions{
		Container: container, Previous: previous, TailLines: &tail,
	})
	rc, err := req.Stream(ctx)
	if err != nil {
		return "", fmt.Errorf("reading logs of %s/%s: %w", pod, container, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(rc, 64<<10)); err != nil {
		return buf.String(), fmt.Errorf("reading logs of %s/%s: %w", pod, container, err)
	}
	return buf.String(), nil
}

// ContextNamespace is the namespace a kubeconfig context sets, "" when it
// sets none; context "" is the current one. It reaches no cluster.
func ContextNamespace(kubeconfig, context string) (string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = kubeconfig
	}
	raw, err := rules.Load()
	if err != nil {
		return "", &ConfigError{fmt.Errorf("loading the kubeconfig: %w", err)}
	}
	if context == "" {
		context = raw.CurrentContext
	}
	if c, ok := raw.Contexts[context]; ok {
		return c.Namespace, nil
	}
	return "", nil
}
