package image

import (
	"errors"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/x-platform/x-platform/internal/testenv"
)

func TestIntegrationRegistryConfig(t *testing.T) {
	ref := testenv.Registry(t) + "/labels/app:1"
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config.Labels = map[string]string{"io.x-platform.key": "abc"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img, remote.WithContext(t.Context())); err != nil {
		t.Fatal(err)
	}
	wantDigest, _ := img.Digest()
	wantID, _ := img.ConfigName()

	got, err := NewRegistry().Config(t.Context(), Cut(ref))
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != wantDigest.String() || got.ID != wantID.String() || got.Labels["io.x-platform.key"] != "abc" {
		t.Fatalf("Config = %+v, want digest %s, id %s and the label", got, wantDigest, wantID)
	}
	if _, err := NewRegistry().Config(t.Context(), Cut(testenv.Registry(t)+"/labels/app:missing")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing image: %v", err)
	}
}
