package cleanup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/testenv"
)

// oldTag is the commit tag of memRegistry's image.
var oldTag = strings.Repeat("1", 40)

// memRegistry holds one old image per repository, tagged oldTag.
type memRegistry struct{}

func (memRegistry) Inventory(_ context.Context, repos []image.Ref, _ int) (map[image.Ref][]image.Stored, error) {
	out := map[image.Ref][]image.Stored{}
	for _, r := range repos {
		out[r] = []image.Stored{{Digest: "sha256:" + strings.Repeat("0", 64), Tags: []string{oldTag}, Created: time.Unix(0, 0)}}
	}
	return out, nil
}
func (memRegistry) Tags(context.Context, image.Ref) ([]string, error) { return []string{oldTag}, nil }
func (memRegistry) Digests(context.Context, image.Ref, []string, int) (map[string]string, error) {
	return nil, nil
}
func (memRegistry) DeleteTag(context.Context, image.Ref, string) error      { return nil }
func (memRegistry) DeleteManifest(context.Context, image.Ref, string) error { return nil }

type noRecords struct{}

func (noRecords) Read(context.Context) (*State, error)      { return &State{}, nil }
func (noRecords) Deploying(context.Context) (string, error) { return "", nil }

func testManifest(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse(t.TempDir()+"/x-platform.yml", []byte(`registry: reg.example/x
services:
  a: {dir: a, git: {remote: r, reference: main}, dockerBuilder: {image: b, workdir: /src}, docker: {image: a}}
  b: {dir: b, git: {remote: r, reference: main}, dockerBuilder: {image: b, workdir: /src}, docker: {image: b}}
environments:
  staging: {}
  prod: {context: prod}
`))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPlanRefusals(t *testing.T) {
	connect := func(prodErr error) Connect {
		return func(_ context.Context, env manifest.Environment) (Environment, error) {
			if env.Name == "prod" && prodErr != nil {
				return nil, prodErr
			}
			return noRecords{}, nil
		}
	}
	noCheckout := func(_ context.Context, req gitsync.Request) (bool, error) {
		if strings.HasSuffix(req.Dir, "/b") {
			return false, errors.New("remote hung up")
		}
		return false, nil
	}
	down := &kube.UnreachableError{Server: "https://prod:6443", Err: errors.New("connection refused")}
	tests := []struct {
		name    string
		prodErr error
		skip    bool
		// refused holds a word each service's refusal must hold.
		refused map[string]string
		note    string
		err     string
	}{{
		name:    "an unreachable cluster refuses every service",
		prodErr: down,
		refused: map[string]string{"a": "environment prod could not be read (its cluster at https://prod:6443 does not answer)", "b": "--skip-unreachable"},
	}, {
		name:    "--skip-unreachable leaves the checkouts' refusals",
		prodErr: down, skip: true,
		refused: map[string]string{"a": "run x-platform sync first", "b": "fetching its remote failed (remote hung up)"},
		note:    "environment prod was skipped (--skip-unreachable)",
	}, {
		name:    "a kubeconfig error is a configuration error",
		prodErr: &kube.ConfigError{Err: errors.New(`context "prod" does not exist`)},
		err:     `reading the releases of prod: context "prod" does not exist (fix the kubeconfig`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testManifest(t)
			res, err := Plan(t.Context(), Options{Manifest: m, Services: m.Services, Registry: memRegistry{},
				Connect: connect(tt.prodErr), Fetch: noCheckout, SkipUnreachable: tt.skip})
			if tt.err != "" {
				var ce *kube.ConfigError
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.As(err, &ce) {
					t.Fatalf("err = %v, want a ConfigError holding %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, rp := range res.Plan.Repositories {
				if !strings.Contains(rp.Refused, tt.refused[rp.Service]) || len(rp.Delete) != 1 {
					t.Errorf("%s: refused %q with %d deletes, want it refused for %q", rp.Service, rp.Refused, len(rp.Delete), tt.refused[rp.Service])
				}
			}
			if tt.note != "" && !strings.Contains(strings.Join(res.Notes, "\n"), tt.note) {
				t.Errorf("notes %q, want one holding %q", res.Notes, tt.note)
			}
			rep := Apply(t.Context(), res, Options{Manifest: m, Registry: memRegistry{}})
			if !rep.Failed() || len(rep.Outcomes) != 2 || rep.Outcomes[0].Done {
				t.Errorf("apply of a refused plan: %+v, want two refusals", rep)
			}
			var text, js bytes.Buffer
			doc := NewDocument(res, rep)
			if err := report.WriteCleanupTable(&text, doc); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text.String(), "  refused  sha256:000000000000  "+oldTag+"  ") {
				t.Errorf("text report:\n%s\nwant a refused line per image", text.String())
			}
			if err := report.JSON(&js, doc); err != nil {
				t.Fatal(err)
			}
			var back report.Cleanup
			if err := json.Unmarshal(js.Bytes(), &back); err != nil || !back.Applied || len(back.Repositories) != 2 {
				t.Errorf("JSON report %s does not read back: %v", js.String(), err)
			}
		})
	}
}

// byDigestOnly is a registry that deletes manifests only by digest.
type byDigestOnly struct {
	memRegistry
	deleted []string
}

func (r *byDigestOnly) Digests(_ context.Context, _ image.Ref, tags []string, _ int) (map[string]string, error) {
	out := map[string]string{}
	for _, t := range tags {
		out[t] = "sha256:" + strings.Repeat("0", 64)
	}
	return out, nil
}

func (r *byDigestOnly) DeleteTag(context.Context, image.Ref, string) error {
	return image.ErrUnsupported
}

func (r *byDigestOnly) DeleteManifest(_ context.Context, repo image.Ref, digest string) error {
	r.deleted = append(r.deleted, repo.WithDigest(digest).String())
	return nil
}

func TestApplyWithoutTagDeletes(t *testing.T) {
	m := testManifest(t)
	m.Environments = nil
	reg := &byDigestOnly{}
	fetched := func(context.Context, gitsync.Request) (bool, error) { return true, nil }
	o := Options{Manifest: m, Services: m.Services[:1], Registry: reg, Fetch: fetched}
	// The checkout is an empty repository: no branch or tag keeps anything.
	m.Services[0].AbsDir = initRepo(t)
	res, err := Plan(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	rep := Apply(t.Context(), res, o)
	if rep.Failed() || len(rep.Outcomes) != 1 || !rep.Outcomes[0].Done {
		t.Fatalf("report %+v, want the image deleted", rep)
	}
	want := "reg.example/x/a@sha256:" + strings.Repeat("0", 64)
	if len(reg.deleted) != 1 || reg.deleted[0] != want || len(rep.NoTagDeletes) != 1 {
		t.Errorf("deleted %v (no tag deletes in %v), want %s by digest", reg.deleted, rep.NoTagDeletes, want)
	}
}

// initRepo makes an empty git repository and returns its folder.
func initRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	testenv.RunGit(t, "", "init", "--quiet", dir)
	return dir
}
