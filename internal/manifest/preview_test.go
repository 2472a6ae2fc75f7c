package manifest

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadPreview(t *testing.T) {
	t.Parallel()
	m, err := Load(filepath.Join("testdata", "valid-preview.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, ok := m.PreviewTemplate()
	if !ok || tmpl.Name != "preview" || tmpl.Context != "kind-preview" || tmpl.Preview == nil {
		t.Fatalf("PreviewTemplate() = %+v, %v", tmpl, ok)
	}
	if *tmpl.Preview != (Preview{Namespace: "preview-{branch}", TTL: 24 * time.Hour}) {
		t.Errorf("Preview = %+v", *tmpl.Preview)
	}
	if env, _ := m.Environment("staging"); env.Preview != nil {
		t.Errorf("staging is no template: %+v", env)
	}

	m, err = Load(filepath.Join("testdata", "valid-environments.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if tmpl, ok := m.PreviewTemplate(); ok {
		t.Errorf("a manifest without preview: found template %+v", tmpl)
	}
}

func TestPreviewDefaultTTL(t *testing.T) {
	t.Parallel()
	m, err := Parse("x-platform.yml", []byte(`services:
  zbackend:
    dir: src/zbackend
    git: {remote: "file:///srv/git/zbackend.git", reference: main}
    dockerBuilder: {image: busybox, workdir: /src}
    docker: {image: zbackend}
environments:
  preview: {preview: {namespace: "{branch}-pr"}}
`))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, _ := m.PreviewTemplate()
	if tmpl.Preview == nil || tmpl.Preview.TTL != DefaultPreviewTTL {
		t.Errorf("template %+v, want the default ttl", tmpl)
	}
}

func TestBranchSlug(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("feature-", 10) + "end"
	tests := []struct {
		branch string
		limit  int
		want   string
	}{
		{"feature/x", 53, "feature-x"},
		{"Feature/JIRA-12_fix", 53, "feature-jira-12-fix"},
		{"--a//b--", 53, "a-b"},
		{"main", 4, "main"},
		{"_", 53, "x-" + hashOf("_")},
		{"ÄÖÜ", 53, "x-" + hashOf("ÄÖÜ")},
		{long, 20, "feature-fea-" + hashOf(long)},
		{"release/1.2", 9, "x-" + hashOf("release/1.2")},
	}
	for _, tt := range tests {
		got := BranchSlug(tt.branch, tt.limit)
		if got != tt.want {
			t.Errorf("BranchSlug(%q, %d) = %q, want %q", tt.branch, tt.limit, got, tt.want)
		}
		if len(got) > max(tt.limit, minSlug) || !dnsLabel.MatchString(got) {
			t.Errorf("BranchSlug(%q, %d) = %q: not a label of at most %d", tt.branch, tt.limit, got, tt.limit)
		}
	}
	if a, b := BranchSlug(long+"1", 30), BranchSlug(long+"2", 30); a == b {
		t.Errorf("two long branches share slug %q", a)
	}
}

func hashOf(branch string) string {
	s := BranchSlug(branch, 0)
	return s[len(s)-8:]
}

func TestNamespaceFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, branch, want string
	}{
		{"preview-{branch}", "feature/x", "preview-feature-x"},
		{"{branch}-pr", "origin/fix", "origin-fix-pr"},
		{"pr-{branch}-x", "a", "pr-a-x"},
	}
	for _, tt := range tests {
		p := &Preview{Namespace: tt.pattern}
		if got := p.NamespaceFor(tt.branch); got != tt.want {
			t.Errorf("NamespaceFor(%q) with %q = %q, want %q", tt.branch, tt.pattern, got, tt.want)
		}
	}
	p := &Preview{Namespace: "preview-{branch}"}
	for _, branch := range []string{strings.Repeat("b", 200), strings.Repeat("x/", 80)} {
		ns := p.NamespaceFor(branch)
		if len(ns) > 63 || !dnsLabel.MatchString(ns) || !strings.HasPrefix(ns, "preview-") {
			t.Errorf("NamespaceFor(%d characters) = %q: not a namespace of the pattern", len(branch), ns)
		}
	}
}

func TestTrimBranch(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"feature/x": "feature/x", "origin/feature/x": "feature/x", "refs/heads/main": "main",
	} {
		if got := TrimBranch(in); got != want {
			t.Errorf("TrimBranch(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPatternProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		ok      bool
	}{
		{"preview-{branch}", true},
		{"{branch}", true},
		{"{branch}-{branch}", false},
		{"preview", false},
		{"-{branch}", false},
		{"pr-{branch}-{sha}", false},
		{"pr_{branch}", false},
		{strings.Repeat("a", 53) + "{branch}", true},
		{strings.Repeat("a", 54) + "{branch}", false},
	}
	for _, tt := range tests {
		if got := patternProblem(tt.pattern); (got == "") != tt.ok {
			t.Errorf("patternProblem(%q) = %q, want ok=%v", tt.pattern, got, tt.ok)
		}
	}
}

func TestPreviewMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, ns string
		want        bool
	}{
		{"pr-{branch}", "pr-main", true},
		{"pr-{branch}", "pr-", false},
		{"pr-{branch}", "staging", false},
		{"{branch}-pr", "a-pr", true},
		{"{branch}", "anything", true},
	}
	for _, tt := range tests {
		if got := previewMatches(tt.pattern, tt.ns); got != tt.want {
			t.Errorf("previewMatches(%q, %q) = %v, want %v", tt.pattern, tt.ns, got, tt.want)
		}
	}
}
