package report

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to write it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs; got:\n%s", path, got)
	}
}

// hex makes a reproducible hex string of n digits from seed.
func hex(seed, n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%08x", uint32(seed*2654435761+i*40503))
	}
	return b.String()[:n]
}

func TestStatusTableAt50Services(t *testing.T) {
	at := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	staging := StatusEnv{Name: "staging", Reachable: true, Revision: 41, Time: &at}
	prod := StatusEnv{Name: "prod", Reachable: true, Revision: 17, Time: &at}
	for i := range 50 {
		name := fmt.Sprintf("service-%02d", i)
		if i%7 == 0 {
			name = fmt.Sprintf("a-much-longer-service-name-%02d", i)
		}
		ref := "origin/main"
		if i%3 == 0 {
			ref = fmt.Sprintf("v1.%d.0", i)
		}
		s := StatusService{Name: name, Reference: ref, Commit: hex(i, 40), Released: "sha256:" + hex(i+100, 64), Running: "sha256:" + hex(i+100, 64), Flags: []string{}}
		staging.Services = append(staging.Services, s)
		p := s
		if i%5 == 0 {
			p.Commit, p.Running, p.Flags = hex(i+200, 40), "sha256:"+hex(i+300, 64), []string{"behind"}
		}
		if i == 12 {
			p.Running, p.Flags = "", []string{"missing"}
		}
		prod.Services = append(prod.Services, p)
	}
	var out bytes.Buffer
	if err := WriteStatusTable(&out, Status{Environments: []StatusEnv{staging, prod}}); err != nil {
		t.Fatal(err)
	}
	_, services, _ := strings.Cut(out.String(), "\n\n")
	assertColumns(t, services, 51)
	golden(t, "status-50.golden", out.Bytes())
}

func TestHistoryTableAt50Services(t *testing.T) {
	// The table shows local time: a local time keeps the file the same anywhere.
	at := time.Date(2026, 11, 28, 2, 0, 0, 0, time.Local)
	rep := HistoryReport{Command: "history", Env: "staging"}
	var services []ServiceResult
	for i := range 50 {
		services = append(services, ServiceResult{Name: fmt.Sprintf("service-%02d", i), Commit: hex(i, 40), Digest: "sha256:" + hex(i+100, 64), Reference: "origin/main"})
	}
	for rev := 1; rev <= 4; rev++ {
		r := Revision{Revision: rev, Status: "deployed", Time: at.Add(time.Duration(rev) * time.Hour), Description: "deploy", Services: append([]ServiceResult(nil), services...)}
		switch rev {
		case 2: // three services changed
			for _, i := range []int{3, 17, 42} {
				services[i].Commit, services[i].Digest = hex(i+1000, 40), "sha256:"+hex(i+1100, 64)
			}
			r.Services = append([]ServiceResult(nil), services...)
			r.Tests = []TestResult{{Name: "smoke", Passed: true}}
		case 3: // one service added, one removed
			r.Services = append(append([]ServiceResult(nil), services[1:]...), ServiceResult{Name: "zz-new", Commit: hex(9999, 40), Digest: "sha256:" + hex(9998, 64)})
			r.Status, r.Description = "failed", "deploy: deployment/service-07 CrashLoopBackOff"
			r.Tests = []TestResult{{Name: "smoke"}}
		case 4:
			r.Services = append(append([]ServiceResult(nil), services[1:]...), ServiceResult{Name: "zz-new", Commit: hex(9999, 40), Digest: "sha256:" + hex(9998, 64)})
			r.PromotedFrom = &PromotedFrom{Env: "dev", Revision: 12}
			r.Description = "promote from dev revision 12"
		}
		rep.Revisions = append(rep.Revisions, r)
	}
	var out bytes.Buffer
	if err := WriteHistoryTable(&out, rep); err != nil {
		t.Fatal(err)
	}
	// However many services, the summary names a few and counts the rest.
	head, _, _ := strings.Cut(out.String(), "\n")
	if w := strings.Index(head, "TESTS") - strings.Index(head, "SERVICES"); w > 110 {
		t.Errorf("the SERVICES column is %d characters wide:\n%s", w, out.String())
	}
	golden(t, "history-50.golden", out.Bytes())
}

// assertColumns checks that the table's rows all have their columns
// starting at the same places as the header's.
func assertColumns(t *testing.T, table string, rows int) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(table, "\n"), "\n")
	if len(lines) < rows {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), rows, table)
	}
	starts := func(line string) []int {
		var s []int
		for i := range line {
			if line[i] != ' ' && (i == 0 || strings.HasSuffix(line[:i], "  ")) {
				s = append(s, i)
			}
		}
		return s
	}
	head := starts(lines[0])
	for _, line := range lines[1:rows] {
		got := starts(line)
		if fmt.Sprint(got) != fmt.Sprint(head) {
			t.Fatalf("columns of %q start at %v, the header's at %v", line, got, head)
		}
	}
}
