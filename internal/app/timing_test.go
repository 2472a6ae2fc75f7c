package app

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/report"
)

func TestReportCarriesDurations(t *testing.T) {
	var out bytes.Buffer
	a := &cli.App{Writer: &out}
	set := flag.NewFlagSet("build", flag.ContinueOnError)
	set.String("output", "text", "")
	set.Bool("explain", false, "")
	if err := set.Set("output", "json"); err != nil {
		t.Fatal(err)
	}
	c := cli.NewContext(a, set, nil)
	c.Context = withStart(context.Background(), time.Now().Add(-1500*time.Millisecond))
	results := []report.ServiceResult{{Name: "zbackend", Action: report.ActionBuilt, DurationMs: 1200}}
	if err := reportServices(c, "build", results); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		DurationMs *int64 `json:"durationMs"`
		Services   []struct {
			DurationMs *int64 `json:"durationMs"`
		} `json:"services"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v in %s", err, out.String())
	}
	if doc.DurationMs == nil || *doc.DurationMs < 1500 || *doc.DurationMs > 60_000 {
		t.Fatalf("report durationMs = %v in %s", doc.DurationMs, out.String())
	}
	if len(doc.Services) != 1 || doc.Services[0].DurationMs == nil || *doc.Services[0].DurationMs != 1200 {
		t.Fatalf("service durationMs in %s", out.String())
	}
}

func TestElapsedWithoutStartIsZero(t *testing.T) {
	c := cli.NewContext(&cli.App{}, flag.NewFlagSet("x", flag.ContinueOnError), nil)
	c.Context = context.Background()
	if got := elapsedMs(c); got != 0 {
		t.Fatalf("elapsedMs = %d", got)
	}
}
