package buildkit

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestMaskerHidesSecretsSplitAcrossWrites(t *testing.T) {
	var out bytes.Buffer
	m := newMasker(&out, map[string][]byte{"token": []byte("hunter2-token\n"), "short": []byte("ab")})
	for _, part := range []string{"#5 echo hunter2-", "token done\n#6 ab ", "ok\ngit clone https://tok3n-value@h/x\nlast hunter2-token"} {
		if _, err := m.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	m.flush()
	if got := out.String(); strings.Contains(got, "hunter2") || got != "#5 echo REDACTED done\n#6 ab ok\ngit clone https://REDACTED@h/x\nlast REDACTED" {
		t.Fatalf("masked output = %q", got)
	}
}

func TestDescribeNamesTheLine(t *testing.T) {
	s := &Spec{Name: "api", Lines: []string{"make", "make test", "make lint"}, Build: 1}
	if got := s.lineName(2); got != "api test 2/2: make lint" {
		t.Fatalf("lineName = %q", got)
	}
	err := describe(s, errors.New(`process "/bin/sh -c make test" did not complete successfully: exit code: 2`), s.lineName(1))
	var se *StepError
	if !errors.As(err, &se) || se.Line != 2 || se.ExitCode != 2 {
		t.Fatalf("describe = %#v", err)
	}
	if err := describe(s, errors.New("boom"), ""); err.Error() != "boom" {
		t.Fatalf("an error with no failed step became %v", err)
	}
}

func TestExportAndAttrs(t *testing.T) {
	s := &Spec{
		Dockerfile: "svc/Dockerfile", Target: "prod", Platforms: []string{"linux/amd64", "linux/arm64"},
		BuildArgs: map[string]string{"A": "1"}, Labels: map[string]string{"l": "v"},
		Names:    []string{"reg:5000/x/svc:abc", "reg:5000/x/svc:key-1"},
		Insecure: true, CacheTo: "reg:5000/x/svc:buildcache",
	}
	attrs := s.frontendAttrs()
	for k, v := range map[string]string{"filename": "svc/Dockerfile", "target": "prod", "platform": "linux/amd64,linux/arm64", "build-arg:A": "1", "label:l": "v"} {
		if attrs[k] != v {
			t.Errorf("frontend attr %s = %q, want %q", k, attrs[k], v)
		}
	}
	if e := s.export(true); e.Type != "moby" || e.Attrs["name"] != "reg:5000/x/svc:abc,reg:5000/x/svc:key-1" {
		t.Errorf("engine export = %+v", e)
	}
	if e := s.export(false); e.Attrs["push"] != "true" || e.Attrs["name"] != "reg:5000/x/svc:abc,reg:5000/x/svc:key-1" || e.Attrs["registry.insecure"] != "true" {
		t.Errorf("daemon export = %+v", e)
	}
	s.ByDigest = true
	if e := s.export(false); e.Attrs["push-by-digest"] != "true" || e.Attrs["name"] != "reg:5000/x/svc" {
		t.Errorf("export by digest = %+v", e)
	}
	if c := s.cacheExports(false); len(c) != 1 || c[0].Attrs["mode"] != "max" || c[0].Attrs["ref"] != s.CacheTo {
		t.Errorf("cache export = %+v", c)
	}
	if c := s.cacheExports(true); len(c) != 1 || c[0].Type != "inline" {
		t.Errorf("engine cache export = %+v", c)
	}
}

func TestNoBuilderIsTheTreeAlone(t *testing.T) {
	s := &Spec{Name: "web", Context: "app"}
	st, root := s.scripts(nil)
	if root != "/" {
		t.Fatalf("without a builder the context's root = %q, want / (the tree)", root)
	}
	def, err := st.Marshal(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// The tree alone is one local source and nothing runs over it.
	if n := len(def.Def); n != 2 {
		t.Fatalf("the scripts stage of a Dockerfile-only build has %d operations, want 2 (the local source and its output)", n)
	}
	if _, err := (&Daemon{}).Build(t.Context(), &Spec{Name: "web", Names: []string{"r/web:1"}, Lines: []string{"make"}}); err == nil || !strings.Contains(err.Error(), "no builder image") {
		t.Fatalf("lines without a builder: %v", err)
	}
}
