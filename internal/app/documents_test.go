package app

import (
	"errors"
	"reflect"
	"testing"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/scaffold/skaffold"
	"github.com/x-platform/x-platform/internal/sign"
	"github.com/x-platform/x-platform/internal/vuln"
)

func TestScannedReport(t *testing.T) {
	t.Parallel()
	s := scanned{Name: "zbackend", Image: "r/zbackend:c", Digest: "sha256:1", SBOM: "image", Packages: 7, Error: "e",
		Findings: []vuln.Judged{{Finding: vuln.Finding{Package: "p", Version: "1", Ecosystem: "Go", Advisory: "GHSA-1", Aliases: []string{"CVE-1"},
			Summary: "s", Severity: vuln.Critical, Fixed: "2", Source: "/bin/app"}, Verdict: vuln.Fails, Note: "n"}}}
	want := report.ScanService{Name: "zbackend", Image: "r/zbackend:c", Digest: "sha256:1", SBOM: "image", Packages: 7, Error: "e",
		Findings: []report.ScanFinding{{Package: "p", Version: "1", Ecosystem: "Go", Advisory: "GHSA-1", Aliases: []string{"CVE-1"},
			Summary: "s", Severity: "critical", Fixed: "2", Source: "/bin/app", Verdict: "fails", Note: "n"}}}
	if got := s.report(); !reflect.DeepEqual(got, want) {
		t.Errorf("report() = %+v\nwant %+v", got, want)
	}
	// An image that could not be read still lists its findings as [], not null.
	if got := (scanned{Name: "a"}).report(); got.Findings == nil {
		t.Error("no findings give a nil list")
	}
}

func TestVerified(t *testing.T) {
	t.Parallel()
	ver := deploy.Version{Service: release.Service{Name: "zbackend", Image: image.Cut("r.example.com/x/zbackend:c"), Digest: "sha256:1"}}
	tests := []struct {
		name string
		r    sign.Result
		err  error
		want report.VerifyService
	}{
		{"checked", sign.Result{Signature: sign.OK, Attestation: sign.Mismatch, Problem: "names zother"}, nil,
			report.VerifyService{Name: "zbackend", Image: "r.example.com/x/zbackend", Digest: "sha256:1", Signature: "ok", Attestation: "mismatch", Error: "names zother"}},
		{"not checked", sign.Result{}, errors.New("unauthorized"),
			report.VerifyService{Name: "zbackend", Image: "r.example.com/x/zbackend", Digest: "sha256:1", Error: "unauthorized"}},
	}
	for _, tt := range tests {
		if got := verified(ver, tt.r, tt.err); got != tt.want {
			t.Errorf("%s: verified() = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestImportReportOf(t *testing.T) {
	t.Parallel()
	res := &skaffold.Result{
		Services: []skaffold.Service{{Name: "web", Image: "r/web", Remote: "https://g/x.git", Reference: "main", Path: "web", Dir: "/tmp/web",
			From: "web-img", Dockerfile: "D", Target: "t", BuildArgs: []skaffold.Arg{{Name: "A"}}, Platforms: []string{"linux/amd64"}}},
		Environments: []skaffold.Environment{{Name: "staging", Profile: "stg", Resources: []string{"a.yaml"}}},
		Notes:        []skaffold.Item{{File: "skaffold.yaml", Line: 3, What: "w", Why: "y"}},
	}
	want := report.ImportReport{Command: "import skaffold", Files: []string{"x-platform.yml"},
		Services: []report.ImportService{{Name: "web", Image: "r/web", Remote: "https://g/x.git", Reference: "main", Path: "web",
			From: "web-img", Dockerfile: "D", Target: "t", Platforms: []string{"linux/amd64"}}},
		Environments: []report.ImportEnvironment{{Name: "staging", Profile: "stg"}},
		Unconverted:  []report.ImportItem{}, // none is [], not null
		Notes:        []report.ImportItem{{File: "skaffold.yaml", Line: 3, What: "w", Why: "y"}},
	}
	if got := importReportOf([]string{"x-platform.yml"}, res); !reflect.DeepEqual(got, want) {
		t.Errorf("importReportOf() = %+v\nwant %+v", got, want)
	}
}
