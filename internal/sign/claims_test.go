package sign

import (
	"encoding/json"
	"strings"
	"testing"
)

// claimsFor is what Statement says of repo@digest, read back as the
// verifier reads it.
func claimsFor(t *testing.T, repo, digest string, p Provenance) Claims {
	t.Helper()
	st, err := Statement(repo, digest, p, "test")
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := parseStatement(body)
	if !ok {
		t.Fatalf("statement not read back:\n%s", body)
	}
	return c
}

func TestExpectedMismatch(t *testing.T) {
	t.Parallel()
	const (
		backend = "registry.example.com/zbackend"
		front   = "registry.example.com/zfront"
		commit  = "0123456789abcdef0123456789abcdef01234567"
		other   = "89abcdef0123456789abcdef0123456789abcdef"
	)
	digest := "sha256:" + strings.Repeat("a", 64)
	release := Expected{Service: "zbackend", Commit: commit}
	built := Provenance{Service: "zbackend", Repo: "https://git.example.com/zbackend.git", Reference: "main", Commit: commit}
	with := func(edit func(p *Provenance)) Provenance {
		p := built
		edit(&p)
		return p
	}
	for _, tc := range []struct {
		name   string
		repo   string // the statement's subject
		digest string
		prov   Provenance
		want   Expected
		// problem holds these, in order; none means a match.
		problem []string
	}{
		{name: "the release's build", repo: backend, prov: built, want: release},
		{name: "another service's build copied over", repo: front, prov: with(func(p *Provenance) { p.Service, p.Commit = "zfront", other }), want: release,
			problem: []string{"image " + backend + "@" + digest + " was signed as service zfront of " + front + " at commit " + other, "not service zbackend of " + backend + " at commit " + commit}},
		{name: "another commit of the service", repo: backend, prov: with(func(p *Provenance) { p.Commit = other }), want: release,
			problem: []string{"was signed as service zbackend at commit " + other, "not service zbackend at commit " + commit}},
		{name: "another service's name in the same repository", repo: backend, prov: with(func(p *Provenance) { p.Service = "zfront" }), want: release,
			problem: []string{"signed as service zfront at commit " + commit, "not service zbackend at commit"}},
		{name: "the subject's digest is another", repo: backend, digest: "sha256:" + strings.Repeat("b", 64), prov: built, want: release,
			problem: []string{"signed as service zbackend of " + backend + " at commit " + commit}},
		{name: "a preview's build where none is taken", repo: backend, prov: with(func(p *Provenance) { p.Preview = "feature/x" }), want: release,
			problem: []string{"signed as service zbackend at commit " + commit + " for the preview of branch feature/x, which only previews take"}},
		{name: "a preview's build in a preview", repo: backend, prov: with(func(p *Provenance) { p.Preview = "feature/x" }), want: Expected{Service: "zbackend", Commit: commit, Previews: true}},
		{name: "a release build in a preview", repo: backend, prov: built, want: Expected{Service: "zbackend", Commit: commit, Previews: true}},
		{name: "a working folder's build", repo: backend, prov: with(func(p *Provenance) { p.Commit, p.Reference = "", "local:/home/dev/zbackend" }), want: Expected{Service: "zbackend", Commit: "dirty-0123abcd"},
			problem: []string{"signed as service zbackend from local:/home/dev/zbackend (no commit), not service zbackend at commit dirty-0123abcd"}},
		{name: "no service named", repo: backend, prov: with(func(p *Provenance) { p.Service = "" }), want: release,
			problem: []string{"signed as no service at commit " + commit}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := digest
			if tc.digest != "" {
				d = tc.digest
			}
			got := tc.want.mismatch(backend, digest, claimsFor(t, tc.repo, d, tc.prov))
			if len(tc.problem) == 0 {
				if got != "" {
					t.Errorf("refused: %s", got)
				}
				return
			}
			rest := got
			for _, part := range tc.problem {
				i := strings.Index(rest, part)
				if i < 0 {
					t.Fatalf("problem %q\nwant it to hold, in order, %q", got, tc.problem)
				}
				rest = rest[i+len(part):]
			}
		})
	}
}

func TestClosestClaims(t *testing.T) {
	t.Parallel()
	all := []Claims{{Service: "zfront"}, {Service: "zbackend", Commit: "b"}, {Service: "zbackend", Commit: "c"}}
	if got := (Expected{Service: "zbackend", Commit: "a"}).closest(all); got.Commit != "b" {
		t.Errorf("closest = %+v, want the first of the service", got)
	}
	if got := (Expected{Service: "zother"}).closest(all); got.Service != "zfront" {
		t.Errorf("closest = %+v, want the first", got)
	}
}

func TestParseStatement(t *testing.T) {
	t.Parallel()
	if _, ok := parseStatement([]byte(`{"predicateType":"https://slsa.dev/provenance/v0.2","subject":[]}`)); ok {
		t.Error("a statement of another predicate type was read as provenance")
	}
	if _, ok := parseStatement([]byte(`not json`)); ok {
		t.Error("garbage was read as provenance")
	}
	c := claimsFor(t, "r/x", "sha256:"+strings.Repeat("a", 64), Provenance{Service: "builders/go", Path: "builders/go"})
	if c.Commit != "" || c.Service != "builders/go" || c.Preview != "" || c.Subjects["r/x"] != "sha256:"+strings.Repeat("a", 64) {
		t.Errorf("claims of a builder image: %+v", c)
	}
	c = claimsFor(t, "r/x", "sha256:"+strings.Repeat("a", 64), Provenance{Service: "x", Commit: "abc", Reference: "origin/feature/x", Preview: "feature/x"})
	if c.Commit != "abc" || c.Preview != "feature/x" || c.Reference != "origin/feature/x" {
		t.Errorf("claims of a preview's build: %+v", c)
	}
}
