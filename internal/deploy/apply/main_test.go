package apply

import (
	"os"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopCluster()
	os.Exit(code)
}
