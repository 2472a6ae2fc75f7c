package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// NotPreviewError refuses to treat as a preview a namespace that is not
// one of this manifest's previews: a named environment's, another
// platform's preview, or anyone else's.
type NotPreviewError struct {
	Namespace string
	Why       string
}

func (e *NotPreviewError) Error() string {
	return fmt.Sprintf("namespace %s is not a preview of this platform's (%s): previews never take over or delete other namespaces; see x-platform preview list", e.Namespace, e.Why)
}

// ensurePreviewNamespace creates p's namespace, labelled as a preview, or
// refreshes the expiry of the one a deploy made before. A namespace that
// exists without the label, or that is the preview of another branch whose
// name makes the same slug, is refused.
func ensurePreviewNamespace(ctx context.Context, cs kubernetes.Interface, p *Preview, now time.Time) error {
	nss := cs.CoreV1().Namespaces()
	annotations := map[string]string{
		BranchAnnotation:   p.Branch,
		ExpiresAnnotation:  p.Expires.UTC().Format(time.RFC3339),
		ServicesAnnotation: strings.Join(p.Branched, ","),
		TemplateAnnotation: p.Template,
	}
	live, err := previewNamespace(ctx, cs, p)
	switch {
	case err != nil:
		return err
	case live == nil:
		annotations[CreatedAnnotation] = now.UTC().Format(time.RFC3339)
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			Name: p.Name, Labels: map[string]string{PreviewLabel: "true"}, Annotations: annotations,
		}}
		if _, err := nss.Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating the preview's namespace %s: %w", p.Name, err)
		}
		p.Created = now
		return nil
	}
	if live.Annotations[CreatedAnnotation] == "" {
		annotations[CreatedAnnotation] = now.UTC().Format(time.RFC3339)
	}
	p.Created = parseTime(live.Annotations[CreatedAnnotation], now)
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"annotations":     annotations,
		"resourceVersion": live.ResourceVersion,
	}})
	if err != nil {
		return fmt.Errorf("encoding the preview's annotations: %w", err)
	}
	if _, err := nss.Patch(ctx, p.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("refreshing the expiry of preview %s: %w", p.Name, err)
	}
	return nil
}

// previewNamespace reads p's namespace: nil when there is none yet, an
// error when it is not p's to deploy to.
func previewNamespace(ctx context.Context, cs kubernetes.Interface, p *Preview) (*corev1.Namespace, error) {
	live, err := cs.CoreV1().Namespaces().Get(ctx, p.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading namespace %s: %w", p.Name, err)
	case live.Labels[PreviewLabel] != "true":
		return nil, &ConfigError{&NotPreviewError{Namespace: p.Name, Why: "it exists without the label " + PreviewLabel + "=true"}}
	}
	if b := live.Annotations[BranchAnnotation]; b != "" && b != p.Branch {
		return nil, &ConfigError{fmt.Errorf("namespace %s is the preview of branch %s, whose name makes the same namespace as %s: delete it first (x-platform preview delete %s)", p.Name, b, p.Branch, p.Name)}
	}
	if live.DeletionTimestamp != nil {
		return nil, fmt.Errorf("the preview %s is being deleted: deploy it again once it is gone", p.Name)
	}
	return live, nil
}

// previewOf reads a preview's namespace into a Preview.
func previewOf(ns *corev1.Namespace) Preview {
	a := ns.Annotations
	p := Preview{
		Name: ns.Name, Branch: a[BranchAnnotation], Template: a[TemplateAnnotation],
		Created: parseTime(a[CreatedAnnotation], ns.CreationTimestamp.Time), Expires: parseTime(a[ExpiresAnnotation], time.Time{}),
		Terminating: ns.DeletionTimestamp != nil,
	}
	if s := a[ServicesAnnotation]; s != "" {
		p.Branched = strings.Split(s, ",")
	}
	return p
}

func parseTime(s string, otherwise time.Time) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return otherwise
	}
	return t
}
