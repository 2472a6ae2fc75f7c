package cachekey

import (
	"reflect"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/image"
)

func base() Inputs {
	return Inputs{
		Tree: "t1", Builder: "sha256:b1", Build: []string{"make"}, Test: []string{"make test"},
		Dockerfile: "sha256:d1", BuildArgs: map[string]string{"A": "1"}, Deps: map[string]string{"zfrontend": "sha256:f1"},
	}
}

func TestKeyIsStableAndCoversEveryInput(t *testing.T) {
	if base().Key() != base().Key() || len(base().Key()) != 64 {
		t.Fatalf("key not stable: %s", base().Key())
	}
	changes := map[string]func(*Inputs){
		"source tree":   func(in *Inputs) { in.Tree = "t2" },
		"builder image": func(in *Inputs) { in.Builder = "sha256:b2" },
		"build or test": func(in *Inputs) { in.Test = []string{"make check"} },
		"build or test scripts or their environment": func(in *Inputs) { in.Env = map[string]string{"GOFLAGS": "-mod=mod"} },
		"Dockerfile":           func(in *Inputs) { in.Dockerfile = "sha256:d2" },
		"build args":           func(in *Inputs) { in.BuildArgs = map[string]string{"A": "2"} },
		"dependency zfrontend": func(in *Inputs) { in.Deps = map[string]string{"zfrontend": "sha256:f2"} },
	}
	for want, change := range changes {
		in := base()
		change(&in)
		if in.Key() == base().Key() {
			t.Errorf("changing the %s kept the key", want)
		}
		why := in.Explain(base().Labels())
		if len(why) != 1 || !strings.HasPrefix(why[0], want) {
			t.Errorf("Explain after changing the %s = %q", want, why)
		}
	}
	// A line moved from build to test is a different script.
	moved := base()
	moved.Build, moved.Test = nil, []string{"make", "make test"}
	if moved.Key() == base().Key() {
		t.Error("moving a build line to test kept the key")
	}
}

// TestKeyWithoutEnvIsUnchanged pins the key of inputs without an
// environment, so images built before environments existed are still found.
func TestKeyWithoutEnvIsUnchanged(t *testing.T) {
	in := base()
	in.Env = map[string]string{}
	if in.Key() != base().Key() {
		t.Fatal("an empty environment changed the key")
	}
	if want := digest("make\x00make test"); base().scripts() != want {
		t.Fatalf("scripts digest = %s, want %s", base().scripts(), want)
	}
}

func TestExplain(t *testing.T) {
	if why := base().Explain(base().Labels()); why != nil {
		t.Fatalf("same inputs: %q", why)
	}
	if why := base().Explain(map[string]string{"other": "x"}); len(why) != 1 || !strings.Contains(why[0], "no cache key") {
		t.Fatalf("unlabelled image: %q", why)
	}
	in := base()
	in.Deps = map[string]string{"zgateway": "sha256:g1"}
	want := []string{"dependency zgateway changed (none → g1)", "dependency zfrontend removed"}
	if why := in.Explain(base().Labels()); !reflect.DeepEqual(why, want) {
		t.Fatalf("Explain = %q, want %q", why, want)
	}
	if tag := image.KeyTag(base().Key()); !strings.HasPrefix(tag, image.KeyTagPrefix) || len(tag) > 128 {
		t.Fatalf("key tag = %q", tag)
	}
}

// TestKeyWithoutBuilder covers a service built by its Dockerfile alone: its
// key still covers the tree, Dockerfile, build args and deps, and differs
// from a service with the same inputs and a builder.
func TestKeyWithoutBuilder(t *testing.T) {
	alone := func() Inputs {
		in := base()
		in.Builder, in.Build, in.Test = "", nil, nil
		return in
	}
	withBuilder := alone()
	withBuilder.Builder = "sha256:b1"
	if alone().Key() == withBuilder.Key() {
		t.Fatal("a Dockerfile-only service has the key of one with a builder")
	}
	if why := alone().Explain(withBuilder.Labels()); len(why) != 1 || why[0] != "builder image changed (b1 → none)" {
		t.Fatalf("Explain = %q", why)
	}
	for name, change := range map[string]func(*Inputs){
		"tree":       func(in *Inputs) { in.Tree = "t2" },
		"Dockerfile": func(in *Inputs) { in.Dockerfile = "sha256:d2" },
		"build args": func(in *Inputs) { in.BuildArgs = nil },
		"deps":       func(in *Inputs) { in.Deps = nil },
	} {
		in := alone()
		change(&in)
		if in.Key() == alone().Key() {
			t.Errorf("changing the %s of a Dockerfile-only service kept the key", name)
		}
	}
}
