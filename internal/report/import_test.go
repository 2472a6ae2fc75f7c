package report

import (
	"bytes"
	"testing"
)

func TestImportReportMatchesGolden(t *testing.T) {
	t.Parallel()
	r := ImportReport{Command: "import skaffold", Files: []string{"x-platform.yml", "k8s/base/web/kustomization.yaml"},
		Services: []ImportService{
			{Name: "web", Image: "registry.example.com/x/web", Remote: "https://git.example.com/x/app.git", Reference: "main", Path: "services/web",
				From: "web-image", Dockerfile: "Dockerfile.web", Target: "release", Platforms: []string{"linux/amd64", "linux/arm64"}},
			{Name: "api", Image: "registry.example.com/x/api", Remote: "git@git.example.com:x/api.git", Reference: "v1.2", From: "api"},
		},
		Environments: []ImportEnvironment{{Name: "dev"}, {Name: "staging", Profile: "staging"}},
		Unconverted: []ImportItem{{File: "skaffold.yaml", Line: 12, What: "artifact api: sync", Why: "x-platform copies no files into running containers"},
			{File: "other/skaffold.yaml", Line: 3, What: "deploy.helm", Why: "no <helm> & charts"}},
		Notes: []ImportItem{{File: "skaffold.yaml", Line: 20, What: "portForward", Why: "use kubectl port-forward"},
			{File: "skaffold.yaml", Line: 25, What: "tagPolicy", Why: "images are tagged with the commit"}},
	}
	sameDocument(t, "import", r, func(b *bytes.Buffer) error { return WriteImportFiles(b, "/home/dev/platform", r) })
}
