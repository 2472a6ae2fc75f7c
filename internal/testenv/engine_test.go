package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestIntegrationEngineOverTCP drives the forwarded engine with the docker
// CLI: `run -i` half-closes stdin and must still get the container's output.
func TestIntegrationEngineOverTCP(t *testing.T) {
	img := BaseImage(t)
	host := EngineOverTCP(t, nil)
	cmd := exec.Command("docker", "run", "--rm", "-i", img, "sh", "-c", "cat; echo done")
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+host, "DOCKER_CONFIG="+t.TempDir(), "DOCKER_CONTEXT=")
	cmd.Stdin = strings.NewReader("input\n")
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "input\ndone\n" {
		t.Fatalf("docker run -i over %s: %v\n%q", host, err, out)
	}
}
