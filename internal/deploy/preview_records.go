package deploy

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/x-platform/x-platform/internal/deploy/release"
)

// Records returns the release records of every preview of the cluster,
// in-progress ones included: what runs in previews, for a cleanup to keep.
func (ps *Previews) Records(ctx context.Context) ([]*release.Record, error) {
	names, err := ps.names(ctx)
	if err != nil {
		return nil, err
	}
	var out []*release.Record
	for _, name := range names {
		store := &release.Store{Secrets: ps.Clientset.CoreV1().Secrets(name), Env: name}
		records, err := store.List(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the releases of preview %s: %w", name, err)
		}
		out = append(out, records...)
	}
	return out, nil
}

// Deploying names the run that deploys to a preview now, or "" when none
// does.
func (ps *Previews) Deploying(ctx context.Context) (string, error) {
	names, err := ps.names(ctx)
	if err != nil {
		return "", err
	}
	for _, name := range names {
		holder, err := newEnvLock(ps.Clientset, name, name).holderNow(ctx)
		if err != nil || holder != "" {
			return holder, err
		}
	}
	return "", nil
}

// names are the namespaces of the cluster's previews, named environments'
// namespaces left out whatever their labels say.
func (ps *Previews) names(ctx context.Context) ([]string, error) {
	list, err := ps.Clientset.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: PreviewLabel + "=true"})
	if err != nil {
		return nil, fmt.Errorf("listing the preview namespaces: %w", err)
	}
	var out []string
	for _, ns := range list.Items {
		if _, named := ps.Named[ns.Name]; !named {
			out = append(out, ns.Name)
		}
	}
	return out, nil
}
