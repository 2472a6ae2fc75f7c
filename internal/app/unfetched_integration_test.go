package app

import (
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/report"
)

// TestIntegrationBuildSaysLFSAndSubmodulesAreNotFetched builds a service
// whose commit holds a Git LFS pointer and a submodule: the build goes on,
// and both the log and the report's reason name them.
func TestIntegrationBuildSaysLFSAndSubmodulesAreNotFetched(t *testing.T) {
	p := newPlatform(t, "svc")
	r := p.remotes["svc"]
	r.Commit(t, "master", map[string]string{
		".gitattributes": "*.bin filter=lfs diff=lfs merge=lfs -text\n",
		"model.bin": "version https://git-lfs.github.com/spec/v1\n" +
			"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
	}, "an LFS file")
	sha := r.Gitlink(t, "master", "vendor/lib", r.Head(t, "master"), "a submodule")

	code, rep, stderr := p.run(t.Context(), "build")
	if code != ExitOK || len(rep.Services) != 1 || rep.Services[0].Action != report.ActionBuilt || rep.Services[0].Commit != sha {
		t.Fatalf("build: exit %d, %+v, want built at %s\n%s", code, rep.Services, sha, stderr)
	}
	for _, want := range []string{
		"Git LFS files model.bin are built as their pointer text",
		"submodules vendor/lib are built as empty folders",
	} {
		if !strings.Contains(rep.Services[0].Reason, want) {
			t.Errorf("reason = %q, want it to say %q", rep.Services[0].Reason, want)
		}
		if !strings.Contains(stderr, "warning: ") || !strings.Contains(stderr, want) {
			t.Errorf("stderr does not warn %q:\n%s", want, stderr)
		}
	}
}
