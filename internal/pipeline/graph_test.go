package pipeline

import (
	"context"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
)

// chain is zfrontend → zbackend → zgateway: each consumes the previous
// service's image as a build arg.
func chain(s *manifest.Service) {
	dep := map[string]string{"zbackend": "zfrontend", "zgateway": "zbackend"}[s.Name]
	if dep != "" {
		s.Deps = []string{dep}
		s.Docker.BuildArgs = map[string]string{"FROM_IMAGE": `{{ image "` + dep + `" }}`}
	}
}

func TestDependencyChain(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, chain, "zfrontend", "zbackend", "zgateway")
	p.Jobs = 3
	got := byName(p.Build(context.Background(), svcs))
	for _, n := range []string{"zfrontend", "zbackend", "zgateway"} {
		if got[n].Action != report.ActionBuilt {
			t.Fatalf("%s = %+v", n, got[n])
		}
	}
	// Built in dependency order, each receiving its dependency's exact digest.
	var order []string
	for _, c := range f.calls {
		if strings.HasPrefix(c, "build ") {
			order = append(order, c)
		}
	}
	if len(order) != 3 || !strings.Contains(order[0], "/zfrontend:") || !strings.Contains(order[2], "/zgateway:") {
		t.Fatalf("build order %q", order)
	}
	want := "FROM_IMAGE:reg.test/x/zfrontend@" + got["zfrontend"].Digest
	if !strings.Contains(order[1], want) {
		t.Fatalf("zbackend built with %q, want the arg %s", order[1], want)
	}

	// A change to zfrontend rebuilds its consumers, which see its new digest.
	f.commits[svcs[0].AbsDir] = strings.Repeat("f", 40)
	f.calls = nil
	again := byName(p.Build(context.Background(), svcs))
	for _, n := range []string{"zfrontend", "zbackend", "zgateway"} {
		if again[n].Action != report.ActionBuilt {
			t.Fatalf("after a zfrontend change %s = %+v", n, again[n])
		}
	}
	if !strings.Contains(again["zbackend"].Reason, "dependency zfrontend changed") {
		t.Fatalf("zbackend reason = %q", again["zbackend"].Reason)
	}
}

func TestDependencyFailureSkipsConsumers(t *testing.T) {
	f := newFake()
	f.failRun["zfrontend"] = &buildkit.StepError{Line: 1, ExitCode: 2}
	p, svcs := testPipeline(t, f, chain, "zfrontend", "zbackend", "zgateway", "other")
	p.KeepGoing = true
	got := byName(p.Build(context.Background(), svcs))
	if got["zbackend"].Action != report.ActionSkipped || !strings.Contains(got["zbackend"].Error, "dependency zfrontend") {
		t.Fatalf("zbackend = %+v", got["zbackend"])
	}
	if got["zgateway"].Action != report.ActionSkipped || got["other"].Action != report.ActionBuilt {
		t.Fatalf("zgateway = %+v, other = %+v", got["zgateway"], got["other"])
	}
}

func TestMonorepoServicesShareOneSync(t *testing.T) {
	f := newFake()
	p, svcs := testPipeline(t, f, func(s *manifest.Service) {
		s.Dir, s.Git.Path = "src/mono", "services/"+s.Name
		s.AbsDir = strings.TrimSuffix(s.AbsDir, "/"+s.Name) + "/mono"
	}, "api", "web")
	got := byName(p.Build(context.Background(), svcs))
	if got["api"].Action != report.ActionBuilt || got["web"].Action != report.ActionBuilt {
		t.Fatalf("results %+v", got)
	}
	syncs := 0
	for _, c := range f.calls {
		if strings.HasPrefix(c, "sync ") {
			syncs++
		}
	}
	if syncs != 1 {
		t.Fatalf("%d syncs of one shared checkout: %q", syncs, f.calls)
	}
}

func TestTreePath(t *testing.T) {
	tests := []struct {
		path, context, dockerfile, want string
	}{
		{"", ".", "Dockerfile", ""},
		{"services/api", ".", "Dockerfile", "services/api"},
		{"services/api", ".", "build/Dockerfile", "services/api"},
		{"services/api", "..", "Dockerfile", "services"},
		{"services/api", ".", "../../Dockerfile", ""},
	}
	for _, tt := range tests {
		s := &manifest.Service{Git: manifest.Git{Path: tt.path}, Docker: manifest.Docker{Context: tt.context, Dockerfile: tt.dockerfile}}
		if got := treePath(s); got != tt.want {
			t.Errorf("treePath(%+v) = %q, want %q", tt, got, tt.want)
		}
	}
}
