package object

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		apiVersion, kind, ns, name string
		want, short                string
	}{
		{"apps/v1", "Deployment", "x-staging", "zbackend", "Deployment.apps/x-staging/zbackend", "deployment/zbackend"},
		{"v1", "Namespace", "", "x-staging", "Namespace/x-staging", "namespace/x-staging"},
		{"v1", "Service", "a", "b", "Service/a/b", "service/b"},
		{"example.com/v1beta1", "Widget", "", "w", "Widget.example.com/w", "widget/w"},
	}
	for _, tt := range tests {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion(tt.apiVersion)
		u.SetKind(tt.kind)
		u.SetNamespace(tt.ns)
		u.SetName(tt.name)
		r := RefOf(u)
		if r.String() != tt.want || r.Short() != tt.short || r.APIVersion() != tt.apiVersion {
			t.Errorf("RefOf(%s %s) = %q %q %q", tt.kind, tt.name, r, r.Short(), r.APIVersion())
		}
		back, err := ParseRef(r.String(), r.Version)
		if err != nil || back != r {
			t.Errorf("ParseRef(%q) = %+v, %v; want %+v", r.String(), back, err, r)
		}
	}
	if _, err := ParseRef("nonsense", "v1"); err == nil {
		t.Error("ParseRef(nonsense) succeeded")
	}
}
