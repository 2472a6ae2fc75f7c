package testenv

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"
)

// PushRandomImage writes a random single-layer image to the registry
// reference ref (over plain HTTP for loopback) and returns its digest.
func PushRandomImage(t testing.TB, ref string) string {
	t.Helper()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	return WriteImage(t, ref, img)
}
