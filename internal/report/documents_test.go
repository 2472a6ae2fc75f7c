package report

import (
	"bytes"
	"testing"
	"time"
)

// The documents below fill every field; their JSON and text are held in
// testdata/<name>.json and .txt, so a document's shape changes only on
// purpose (go test ./internal/report -update rewrites them).

var (
	docTime  = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	docLater = docTime.Add(48 * time.Hour)
)

// sameDocument compares doc's JSON and what text writes with the golden
// files of name.
func sameDocument(t *testing.T, name string, doc any, text func(*bytes.Buffer) error) {
	t.Helper()
	var j, txt bytes.Buffer
	if err := JSON(&j, doc); err != nil {
		t.Fatal(err)
	}
	if err := text(&txt); err != nil {
		t.Fatal(err)
	}
	golden(t, name+".json", j.Bytes())
	golden(t, name+".txt", txt.Bytes())
}

func TestDocumentsStatus(t *testing.T) {
	st := Status{Command: "status", OK: false, DurationMs: 1234, Environments: []StatusEnv{
		{
			Name: "staging", Namespace: "shop-staging", Revision: 41, Time: &docTime, Reachable: true,
			Services: []StatusService{
				{
					Name: "api", Reference: "origin/main", Commit: "0123456789abcdef0123456789abcdef01234567",
					Released:     "sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
					PinnedCommit: "89abcdef0123456789abcdef0123456789abcdef",
					Pinned:       "sha256:1111111111111111111111111111111111111111111111111111111111111111",
					Running:      "sha256:2222222222222222222222222222222222222222222222222222222222222222,sha256:3333333333333333333333333333333333333333333333333333333333333333",
					Flags:        []string{"drift", "behind"},
				},
				{Name: "web", Reference: "v1.2.3", Flags: []string{}},
			},
			Drifted:  []Drift{{Object: "apps/v1 Deployment shop-staging/api", Fields: []string{"spec.replicas", "spec.template"}}, {Object: "v1 Service shop-staging/web", Gone: true}},
			Warnings: []string{"a warning", "another"},
			Canary:   &StatusCanary{Revision: 42, Steps: []int{10, 50}, Step: 10, Split: "replicas"},
		},
		{Name: "prod", Error: "reaching the cluster: refused", Services: []StatusService{}},
		{Name: "dev", Reachable: true, Services: []StatusService{{Name: "api", Reference: "origin/dev", Flags: []string{}}}},
	}}
	sameDocument(t, "status", st, func(b *bytes.Buffer) error { return WriteStatusTable(b, st) })
}

func TestDocumentsPreviews(t *testing.T) {
	pv := Previews{Command: "preview gc", OK: true, DryRun: true, Error: "one failed", DurationMs: 55, Previews: []Preview{
		{Name: "pr-1", Branch: "feature/x", Template: "pr-{{branch}}", Services: []string{"api", "web"}, Created: docTime, Expires: docLater, Expired: true, Revision: 3, Status: "deployed", Action: "would-delete", Reason: "expired"},
		{Name: "pr-2", Branch: "feature/y", Created: docTime, Terminating: true, Action: "skipped", Reason: "held"},
	}}
	sameDocument(t, "preview", pv, func(b *bytes.Buffer) error { return WritePreviewTable(b, pv) })
	var j bytes.Buffer
	if err := JSON(&j, Previews{Command: "preview list", OK: true, Previews: []Preview{}}); err != nil {
		t.Fatal(err)
	}
	golden(t, "preview-empty.json", j.Bytes())
}

func TestDocumentsTestRun(t *testing.T) {
	run := TestRun{Command: "test", OK: false, Env: "staging", Namespace: "shop", Revision: 7, Error: "smoke failed", DurationMs: 99, Tests: []TestResult{
		{Name: "smoke", Passed: false, Job: "smoke-r7-abcde", Message: "exit 1\nline two", DurationMs: 12},
		{Name: "api", Passed: true, Job: "api-r7-xyz", DurationMs: 34},
	}}
	sameDocument(t, "test", run, func(b *bytes.Buffer) error { return WriteTestRunTable(b, run) })
	none := TestRun{Command: "test", Env: "staging", Revision: 7, Tests: []TestResult{}}
	sameDocument(t, "test-none", none, func(b *bytes.Buffer) error { return WriteTestRunTable(b, none) })
}

func TestDocumentsInitVersionSecret(t *testing.T) {
	in := Init{Command: "init", Files: []string{"x-platform.yml", "k8s/base/kustomization.yaml"}, Services: []InitService{
		{Name: "api", Remote: "https://git.example.com/api.git", Reference: "origin/main", Dockerfile: true, Kubernetes: true},
		{Name: "web", Remote: "ssh://git@git.example.com/web.git", Reference: "origin/master"},
	}}
	sameDocument(t, "init", in, func(b *bytes.Buffer) error { return WriteInitFiles(b, "/src/shop", in) })
	v := Version{Version: "v1.2.3", Go: "go1.26.8", OS: "linux", Arch: "amd64"}
	sameDocument(t, "version", v, func(b *bytes.Buffer) error { return WriteVersionLine(b, v) })
	s := Secret{File: "k8s/prod/secret.sops.yaml", Action: "encrypted", Recipients: []string{"age1aaa", "age1bbb"}}
	sameDocument(t, "secret", s, func(b *bytes.Buffer) error { return WriteSecretLine(b, s) })
}
