package cleanup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/manifest"
)

// Environment is what a cleanup reads of one environment's cluster.
type Environment interface {
	// Records returns every release record, in-progress ones included.
	Records(ctx context.Context) ([]*release.Record, error)
	// Deploying names the holder of a live deploy lock, or "".
	Deploying(ctx context.Context) (string, error)
}

// Connect reaches one environment's cluster.
type Connect func(ctx context.Context, env manifest.Environment) (Environment, error)

// KubeConnect reaches environments as deploys do: the kubeconfig (""
// follows KUBECONFIG, then ~/.kube/config), the environment's context, and
// its records' namespace — the environment's, else the context's, else the
// one its overlay under kustomizeRoot names.
func KubeConnect(kubeconfig, kustomizeRoot string) Connect {
	return func(ctx context.Context, env manifest.Environment) (Environment, error) {
		cl, err := kube.Connect(ctx, kube.Options{Kubeconfig: kubeconfig, Context: env.Context, Namespace: env.Namespace})
		if err != nil {
			return nil, err
		}
		ns := env.Namespace
		if ns == "" && cl.NamespaceExplicit {
			ns = cl.Namespace
		}
		if ns == "" {
			ns = overlayNamespace(kustomizeRoot, env.Name, cl.Namespace)
		}
		cs := cl.Clientset
		return &kubeEnv{
			store:  &release.Store{Secrets: cs.CoreV1().Secrets(ns), Env: env.Name},
			client: cs, ns: ns, env: env.Name,
		}, nil
	}
}

// overlayNamespace is the namespace the environment's overlay puts its
// objects in, as deploy chooses it; fallback when there is no overlay.
func overlayNamespace(root, env, fallback string) string {
	if _, err := os.Stat(render.OverlayDir(root, env)); err != nil {
		return fallback
	}
	r, err := render.Render(root, env, nil)
	if err != nil {
		return fallback
	}
	if ns := deploy.ChooseNamespace("", r.Objects); ns != "" {
		return ns
	}
	return fallback
}

type kubeEnv struct {
	store   *release.Store
	client  kubernetes.Interface
	ns, env string
}

var _ Environment = (*kubeEnv)(nil)

func (k *kubeEnv) Records(ctx context.Context) ([]*release.Record, error) {
	return k.store.List(ctx)
}

// Deploying reads the Lease deploys hold while they run (see
// internal/deploy/envlock.go), and says who holds it while it is live.
func (k *kubeEnv) Deploying(ctx context.Context) (string, error) {
	lease, err := k.client.CoordinationV1().Leases(k.ns).Get(ctx, "x-platform.lock."+k.env, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the deploy lock of %s: %w", k.env, err)
	}
	s := lease.Spec
	if s.HolderIdentity == nil || s.RenewTime == nil || s.LeaseDurationSeconds == nil {
		return "", nil
	}
	if time.Now().After(s.RenewTime.Add(time.Duration(*s.LeaseDurationSeconds) * time.Second)) {
		return "", nil
	}
	return *s.HolderIdentity, nil
}

// unreachable says why an environment could not be read, for the report.
func unreachable(err error) string {
	var ue *kube.UnreachableError
	if errors.As(err, &ue) {
		return fmt.Sprintf("its cluster at %s does not answer", ue.Server)
	}
	return err.Error()
}
