package testenv

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

var safeName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestDockerSafe(t *testing.T) {
	tests := []struct {
		in, keep, want string
	}{
		{"TestFoo/Sub_Case", "", "testfoo-sub-case"},
		{"--a__b--", "", "a-b"},
		{"1.26.8", ".", "1.26.8"},
		{"devel go1.27-abc Tue", ".", "devel-go1.27-abc-tue"},
		{"!!!", "", ""},
	}
	for _, tt := range tests {
		if got := dockerSafe(tt.in, tt.keep); got != tt.want {
			t.Errorf("dockerSafe(%q, %q) = %q, want %q", tt.in, tt.keep, got, tt.want)
		}
	}
}

func TestUniqueName(t *testing.T) {
	tests := []struct {
		prefix, wantPrefix string
	}{
		{"svc", "svc-testuniquename-"},
		{"My_Service", "my-service-testuniquename-"},
		{"", "testuniquename-"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		for range 3 {
			got := UniqueName(t, tt.prefix)
			if !safeName.MatchString(got) || !strings.HasPrefix(got, tt.wantPrefix) {
				t.Errorf("UniqueName(%q) = %q, want a lowercase name starting with %q", tt.prefix, got, tt.wantPrefix)
			}
			if seen[got] {
				t.Errorf("UniqueName(%q) returned %q twice", tt.prefix, got)
			}
			seen[got] = true
		}
	}
	t.Run("a very long subtest name that goes on and on", func(t *testing.T) {
		if got := UniqueName(t, "x"); len(got) > 40 || !safeName.MatchString(got) {
			t.Errorf("UniqueName = %q, want a short safe name", got)
		}
	})
}

func TestIntegrationDocker(t *testing.T) {
	cli := Docker(t)
	if _, err := cli.Ping(t.Context()); err != nil {
		t.Fatalf("ping: %v", err)
	}
	// Parallel callers wait for one import instead of racing.
	t.Run("parallel", func(t *testing.T) {
		for i := range 4 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				if ref := BaseImage(t); ref != BusyboxRef {
					t.Errorf("BaseImage = %q, want %q", ref, BusyboxRef)
				}
			})
		}
	})
	if _, err := cli.ImageInspect(t.Context(), BusyboxRef); err != nil {
		t.Fatalf("inspecting %s: %v", BusyboxRef, err)
	}
}

func TestIntegrationGoImage(t *testing.T) {
	cli := Docker(t)
	ref := GoImage(t)
	if !strings.HasPrefix(ref, "xp-test/go:1.") {
		t.Errorf("GoImage = %q, want xp-test/go:<go version>", ref)
	}
	img, err := cli.ImageInspect(t.Context(), ref)
	if err != nil {
		t.Fatalf("inspecting %s: %v", ref, err)
	}
	env := strings.Join(img.Config.Env, " ")
	for _, want := range []string{"GOTOOLCHAIN=local", "CGO_ENABLED=0", "PATH=/usr/local/go/bin:"} {
		if !strings.Contains(env, want) {
			t.Errorf("%s environment %q lacks %s", ref, env, want)
		}
	}
	if got := img.Config.Labels["org.opencontainers.image.base.name"]; got != BusyboxRef {
		t.Errorf("%s base label = %q, want %s", ref, got, BusyboxRef)
	}
}
