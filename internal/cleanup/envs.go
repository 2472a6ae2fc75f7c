package cleanup

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/deploy/render"
	"github.com/x-platform/x-platform/internal/manifest"
)

// Environment is what a cleanup reads of one environment's cluster.
type Environment interface {
	// Read returns what the environment's cluster holds now.
	Read(ctx context.Context) (*State, error)
	// Deploying names the holder of a live deploy lock, or "".
	Deploying(ctx context.Context) (string, error)
}

// State is what one environment's cluster holds for a cleanup.
type State struct {
	// Records are every release record of the environment, in-progress
	// ones included, in whichever namespace they were written.
	Records []*release.Record
	// Running are the images its live pods and workloads run.
	Running []deploy.Running
	// Namespace is the environment's own namespace, where its deploys
	// write by default; "" when every record read is its own. Records
	// elsewhere may be another platform's environment of the same name.
	Namespace string
	// Notes say what could not be read.
	Notes []string
}

// Connect reaches one environment's cluster.
type Connect func(ctx context.Context, env manifest.Environment) (Environment, error)

// environments are every environment a deploy can reach: the manifest's
// environments: entries, then the overlays without one, which deploys
// reach with the kubeconfig's current context and the overlay's namespace.
func environments(m *manifest.Manifest) []manifest.Environment {
	out := slices.Clone(m.Environments)
	for _, name := range render.Envs(filepath.Join(m.Root, deploy.KustomizeDir)) {
		if env, ok := m.Environment(name); !ok {
			out = append(out, env)
		}
	}
	return out
}

// KubeConnect reaches environments as deploys do — the kubeconfig (""
// follows KUBECONFIG, then ~/.kube/config), the environment's context —
// through the deploy entry, so the two never disagree on the namespace.
// An environment whose overlay does not render is not read.
func KubeConnect(m *manifest.Manifest, kubeconfig string) Connect {
	return func(ctx context.Context, env manifest.Environment) (Environment, error) {
		if env.Preview != nil {
			// The template is no environment: its previews are.
			ps, err := deploy.OpenPreviews(ctx, m, deploy.Target{Kubeconfig: kubeconfig})
			if err != nil {
				return nil, err
			}
			return previewsEnv{ps}, nil
		}
		// Connecting first makes a bad kubeconfig a configuration error
		// whether or not the environment has an overlay.
		cl, err := kube.Connect(ctx, kube.Options{Kubeconfig: kubeconfig, Context: env.Context, Namespace: env.Namespace})
		if err != nil {
			return nil, err
		}
		e := &deploy.Environment{Manifest: m, Name: env.Name, Root: filepath.Join(m.Root, deploy.KustomizeDir), Settings: env, Kubeconfig: kubeconfig, Cluster: cl}
		if slices.Contains(render.Envs(e.Root), env.Name) {
			// What a deploy would apply is unknown when it does not render.
			if _, err := e.Render(nil); err != nil {
				return nil, err
			}
		}
		if _, err := e.Namespace(ctx); err != nil {
			return nil, err
		}
		return deployEnv{e}, nil
	}
}

// deployEnv reads an environment through the deploy entry.
type deployEnv struct{ *deploy.Environment }

var _ Environment = deployEnv{}

// Read finds the environment's records by their label in every namespace
// of its cluster, and lists what runs in its namespace and in those that
// hold its records.
func (d deployEnv) Read(ctx context.Context) (*State, error) {
	st := &State{}
	records, err := d.RecordsAnywhere(ctx)
	if apierrors.IsForbidden(err) {
		st.Notes = append(st.Notes, fmt.Sprintf("environment %s: Secrets may not be listed in every namespace, so only the release records in its own namespace were read; "+
			"records written with deploy --namespace or another kube context are missed (allow the cleanup to list Secrets cluster-wide)", d.Name))
		records, err = d.History(ctx)
	}
	if err != nil {
		return nil, err
	}
	ns, err := d.Namespace(ctx)
	if err != nil {
		return nil, err
	}
	namespaces := []string{ns}
	for _, r := range records {
		if r.Namespace != "" && !slices.Contains(namespaces, r.Namespace) {
			namespaces = append(namespaces, r.Namespace)
		}
	}
	if st.Running, err = d.Running(ctx, namespaces); err != nil {
		return nil, fmt.Errorf("reading what %s runs: %w", d.Name, err)
	}
	st.Records, st.Namespace = records, ns
	return st, nil
}

// previewsEnv reads the previews of the preview template's cluster.
type previewsEnv struct{ *deploy.Previews }

var _ Environment = previewsEnv{}

// Read returns the records of every preview.
func (p previewsEnv) Read(ctx context.Context) (*State, error) {
	records, err := p.Records(ctx)
	if err != nil {
		return nil, err
	}
	return &State{Records: records}, nil
}

// unreachable says why an environment could not be read, for the report.
func unreachable(err error) string {
	var ue *kube.UnreachableError
	if errors.As(err, &ue) {
		return fmt.Sprintf("its cluster at %s does not answer", ue.Server)
	}
	return err.Error()
}
