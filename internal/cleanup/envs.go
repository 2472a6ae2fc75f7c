package cleanup

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/release"
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

// KubeConnect reaches environments as deploys do — the kubeconfig (""
// follows KUBECONFIG, then ~/.kube/config), the environment's context —
// and reads its records where deploys write them: through the deploy
// entry, so the two never disagree on the namespace.
func KubeConnect(m *manifest.Manifest, kubeconfig string) Connect {
	return func(ctx context.Context, env manifest.Environment) (Environment, error) {
		if env.Preview != nil {
			// The template is no environment: its previews are.
			return deploy.OpenPreviews(ctx, m, deploy.Target{Kubeconfig: kubeconfig})
		}
		// Connecting first makes a bad kubeconfig a configuration error
		// whether or not the environment has an overlay.
		cl, err := kube.Connect(ctx, kube.Options{Kubeconfig: kubeconfig, Context: env.Context, Namespace: env.Namespace})
		if err != nil {
			return nil, err
		}
		e := &deploy.Environment{Manifest: m, Name: env.Name, Root: filepath.Join(m.Root, deploy.KustomizeDir), Settings: env, Kubeconfig: kubeconfig, Cluster: cl}
		if _, err := e.Namespace(ctx); err != nil {
			return nil, err
		}
		return deployEnv{e}, nil
	}
}

// deployEnv reads an environment through the deploy entry.
type deployEnv struct{ *deploy.Environment }

var _ Environment = deployEnv{}

// Records returns every release record, in-progress ones included.
func (d deployEnv) Records(ctx context.Context) ([]*release.Record, error) {
	return d.History(ctx)
}

// unreachable says why an environment could not be read, for the report.
func unreachable(err error) string {
	var ue *kube.UnreachableError
	if errors.As(err, &ue) {
		return fmt.Sprintf("its cluster at %s does not answer", ue.Server)
	}
	return err.Error()
}
