package sign_test

import (
	"fmt"
	"os"
	"testing"
)

// TestMain gives the tests a HOME of their own, so that no credentials or
// settings of the user's are read, and no password from the environment.
func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "sign-home-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// The cosign CLI is cached under the user's cache folder, built once.
	if cache, err := os.UserCacheDir(); err == nil {
		os.Setenv("XDG_CACHE_HOME", cache)
	}
	os.Setenv("HOME", home)
	os.Setenv("DOCKER_CONFIG", home+"/.docker")
	os.Unsetenv("COSIGN_PASSWORD")
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}
