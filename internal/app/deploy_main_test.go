package app

import (
	"os"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

// TestMain stops the test cluster that deploy tests start, if any, and
// removes what the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopCluster()
	removeOrchestratorImage()
	removeHostBinary()
	os.Exit(code)
}
