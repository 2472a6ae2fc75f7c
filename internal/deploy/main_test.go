package deploy

import (
	"os"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

// TestMain stops the test cluster that integration tests start, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopCluster()
	os.Exit(code)
}
