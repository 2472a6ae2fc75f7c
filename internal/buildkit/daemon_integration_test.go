package buildkit_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/buildkit"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/testenv"
)

// standalone starts a buildkitd that reaches reg over plain HTTP.
func standalone(t *testing.T, reg string, tcp bool) *buildkit.Daemon {
	b := testenv.StartBuildkitd(t, testenv.BuildkitdOptions{TCP: tcp, InsecureRegistries: []string{reg}})
	ep := buildkit.Endpoint{Address: b.Addr}
	if b.TLS != nil {
		ep.CA, ep.Cert, ep.Key, ep.ServerName = b.TLS.CA, b.TLS.Cert, b.TLS.Key, b.TLS.ServerName
	}
	return &buildkit.Daemon{Endpoint: ep}
}

// registrySpec is a service build whose builder and base come from reg
// and whose image goes there by digest, with its cache beside it.
func registrySpec(t *testing.T, reg, base, nonce string) *buildkit.Spec {
	repo := reg + "/" + testenv.UniqueName(t, "x") + "/svc"
	return &buildkit.Spec{
		Name: "svc",
		Source: tree(t, map[string]string{
			"Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN echo expensive-" + nonce + " && sleep 1\nCOPY out.txt /out.txt\n",
		}),
		Builder: base, Mount: "/work", UID: 1000, GID: 1000,
		Lines:      []string{"echo " + nonce + " > out.txt"},
		Build:      1,
		Dockerfile: "Dockerfile", Context: ".",
		BuildArgs: map[string]string{"BASE": base},
		Names:     []string{repo + ":abc", repo + ":key-abc"},
		ByDigest:  true,
		Insecure:  true,
		CacheFrom: []string{repo + ":buildcache"},
		CacheTo:   repo + ":buildcache",
	}
}

// TestIntegrationDaemonPushesByDigestAndSharesCache builds on a standalone
// buildkitd over tcp with mutual TLS, which pushes by digest and exports
// every step's cache to the registry; a second, fresh daemon then takes the
// expensive steps from that cache instead of running them.
func TestIntegrationDaemonPushesByDigestAndSharesCache(t *testing.T) {
	reg := testenv.Registry(t)
	base := testenv.PushBaseImage(t, reg)
	nonce := testenv.UniqueName(t, "n")
	spec := registrySpec(t, reg, base, nonce)
	var log bytes.Buffer
	spec.Log = &log
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()

	res, err := standalone(t, reg, true).Build(ctx, spec)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, log.String())
	}
	if !strings.HasPrefix(res.Digest, "sha256:") {
		t.Fatalf("digest = %q", res.Digest)
	}
	named := image.Cut(spec.Names[0])
	r := image.NewRegistry()
	if d, err := r.Digest(ctx, named.WithDigest(res.Digest)); err != nil || d != res.Digest {
		t.Fatalf("the pushed image: %q, %v", d, err)
	}
	if _, err := r.Digest(ctx, named); err == nil {
		t.Fatal("a push by digest made a tag")
	}
	if _, err := r.Digest(ctx, named.WithTag("buildcache")); err != nil {
		t.Fatalf("no registry cache: %v", err)
	}

	log.Reset()
	again := registrySpec(t, reg, base, nonce)
	again.Names, again.CacheFrom, again.CacheTo, again.Log = spec.Names, spec.CacheFrom, "", &log
	res2, err := standalone(t, reg, false).Build(ctx, again)
	if err != nil {
		t.Fatalf("build on a fresh daemon: %v\n%s", err, log.String())
	}
	for _, step := range []string{"svc build 1/1: echo " + nonce, "RUN echo expensive-" + nonce} {
		if !cachedStep(log.String(), step) {
			t.Errorf("a fresh daemon ran %q again instead of taking it from the registry cache:\n%s", step, log.String())
		}
	}
	if res2.Digest != res.Digest {
		t.Errorf("the same inputs gave %s on a fresh daemon, %s before", res2.Digest, res.Digest)
	}
}

// cachedStep says whether the plain progress shows step as CACHED at some
// point: a step taken from a registry cache may end with DONE too, once its
// layer is pulled for the next step, but one that ran is never CACHED.
func cachedStep(log, step string) bool {
	lines := strings.Split(log, "\n")
	for i, l := range lines {
		if strings.Contains(l, step) && strings.HasPrefix(l, "#") {
			id := strings.Fields(l)[0]
			for _, m := range lines[i+1:] {
				if m == id+" CACHED" {
					return true
				}
			}
		}
	}
	return false
}
