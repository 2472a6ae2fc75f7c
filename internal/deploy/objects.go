package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/x-platform/x-platform/internal/deploy/object"
	"github.com/x-platform/x-platform/internal/deploy/track"
)

// ParseObjects reads a multi-document YAML stream, such as a release's
// manifest, into objects.
func ParseObjects(data []byte) ([]*unstructured.Unstructured, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var out []*unstructured.Unstructured
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading manifests: %w", err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("reading manifests: %w", err)
		}
		if bytes.Equal(bytes.TrimSpace(j), []byte("null")) {
			continue // a document of comments only
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(j); err != nil {
			return nil, fmt.Errorf("reading manifests: %w", err)
		}
		out = append(out, u)
	}
}

// refs lists the objects' refs.
func refs(objs []*unstructured.Unstructured) []object.Ref {
	out := make([]object.Ref, len(objs))
	for i, o := range objs {
		out[i] = object.RefOf(o)
	}
	return out
}

// checkPolicies reads every tracking annotation before anything is applied.
func checkPolicies(objs []*unstructured.Unstructured) error {
	var errs []error
	for _, o := range objs {
		if _, err := track.PolicyOf(o); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", object.RefOf(o), err))
		}
	}
	if len(errs) > 0 {
		return &ConfigError{errors.Join(errs...)}
	}
	return nil
}

// OverlayNamespace is the one namespace the rendered objects name, or ""
// when they name none or several.
func OverlayNamespace(objs []*unstructured.Unstructured) string {
	found := ""
	for _, o := range objs {
		switch ns := o.GetNamespace(); {
		case ns == "":
		case found == "":
			found = ns
		case ns != found:
			return ""
		}
	}
	return found
}

// ChooseNamespace is where a deploy keeps its records and puts the objects
// that name no namespace: explicit when set, else the one namespace the
// rendered objects name, else "default".
func ChooseNamespace(explicit string, objs []*unstructured.Unstructured) string {
	if explicit != "" {
		return explicit
	}
	found := ""
	for _, o := range objs {
		ns := o.GetNamespace()
		switch {
		case ns == "":
		case found == "":
			found = ns
		case ns != found:
			return "default"
		}
	}
	if found == "" {
		return "default"
	}
	return found
}
