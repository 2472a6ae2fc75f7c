package cleanup

import (
	"reflect"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/retention"
)

func TestRunningRefs(t *testing.T) {
	m := testManifest(t)
	o := Options{Manifest: m, Services: m.Services}
	d := "sha256:" + strings.Repeat("1", 64)
	tests := []struct {
		image string
		want  []retention.Ref
	}{
		{"reg.example/x/a:v1@" + d, []retention.Ref{{Repository: "a", Tag: "v1", Digest: d}}},
		{"reg.example/x/b:hotfix", []retention.Ref{{Repository: "b", Tag: "hotfix"}}},
		// Another spelling of the registry: kept by digest only.
		{"127.0.0.1:5000/x/a:v1@" + d, []retention.Ref{{Repository: "a", Digest: d}}},
		{"127.0.0.1:5000/x/a:v1", nil},
		{"elsewhere.example/nginx@" + d, nil},
	}
	for _, tt := range tests {
		var got []retention.Ref
		for _, r := range o.running("staging", deploy.Running{Namespace: "ns", Kind: "Deployment", Name: "web", Image: image.Cut(tt.image)}) {
			if !strings.HasPrefix(r.What, "deployment ns/web") || r.Env != "staging" {
				t.Errorf("%s: kept as %+v", tt.image, r)
			}
			got = append(got, r.Image)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: refs %+v, want %+v", tt.image, got, tt.want)
		}
	}
}

func TestOutermost(t *testing.T) {
	in := []deploy.Running{
		{Kind: "Pod", Name: "web-1-x", Image: image.Cut("i")},
		{Kind: "ReplicaSet", Name: "web-1", Image: image.Cut("i")},
		{Kind: "Deployment", Name: "web", Image: image.Cut("i")},
		{Kind: "Pod", Name: "debug", Image: image.Cut("j")},
	}
	got := outermost(in)
	if len(got) != 2 || got[0].Name != "web" || got[1].Name != "debug" {
		t.Errorf("outermost = %+v, want the Deployment for i and the pod for j", got)
	}
}
