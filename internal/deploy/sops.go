package deploy

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/x-platform/x-platform/internal/deploy/render"
)

var secretsGVR = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}

// maskedSOPS says whether o is a Secret a release record keeps without
// its values, because they were decrypted from a SOPS file.
func maskedSOPS(o *unstructured.Unstructured) bool {
	_, ok := o.GetAnnotations()[render.SOPSAnnotation]
	return ok && o.GetKind() == "Secret" && o.GetAPIVersion() == "v1"
}

// withoutValues drops the masked values of o, so that comparisons with the
// live object look only at what the record holds.
func withoutValues(o *unstructured.Unstructured) {
	delete(o.Object, "data")
	delete(o.Object, "stringData")
}

// unmaskSOPS gives each Secret of a record whose values were masked the
// values it has in the cluster now, so that a rollback re-applies it as it
// is rather than with masks: a record never holds decrypted values, so a
// rollback cannot bring old ones back. A Secret that is gone stops the
// rollback before anything is applied.
func (d *Deployer) unmaskSOPS(ctx context.Context, revision int, objs []*unstructured.Unstructured) error {
	for _, o := range objs {
		if !maskedSOPS(o) {
			continue
		}
		ns := o.GetNamespace()
		if ns == "" {
			ns = d.Namespace
		}
		live, err := d.Cluster.Dynamic.Resource(secretsGVR).Namespace(ns).Get(ctx, o.GetName(), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("revision %d's Secret %s/%s came from a SOPS file, whose values release records do not keep, and it is no longer in the cluster: deploy that revision's commit instead", revision, ns, o.GetName())
		}
		if err != nil {
			return fmt.Errorf("reading Secret %s/%s for its values: %w", ns, o.GetName(), err)
		}
		withoutValues(o)
		if data, ok := live.Object["data"]; ok {
			o.Object["data"] = data
		}
		ann := o.GetAnnotations()
		delete(ann, render.SOPSAnnotation)
		o.SetAnnotations(ann)
	}
	return nil
}

// sopsSecretIn names the first Secret of a record's manifest whose values
// came from a SOPS file (and so are not in it); "" when there is none.
func sopsSecretIn(manifest []byte) (string, error) {
	objs, err := ParseObjects(manifest)
	if err != nil {
		return "", err
	}
	for _, o := range objs {
		if maskedSOPS(o) {
			return o.GetName(), nil
		}
	}
	return "", nil
}
