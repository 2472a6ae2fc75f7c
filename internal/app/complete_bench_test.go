package app

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkCompletion runs the built program as the completion scripts do,
// on a manifest of 50 services and 6 environments, and reports the time a
// Tab waits for: process start included. Target: 50 ms.
func BenchmarkCompletion(b *testing.B) {
	bin := hostBinary(b)
	dir := b.TempDir()
	var m strings.Builder
	m.WriteString("registry: r.example.com/x\nenvironments:\n")
	for _, e := range []string{"dev", "qa", "staging", "production", "eu", "us"} {
		fmt.Fprintf(&m, "  %s: {namespace: %s}\n", e, e)
		if err := os.MkdirAll(filepath.Join(dir, "k8s", "overlays", e), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	m.WriteString("services:\n")
	for i := range 50 {
		fmt.Fprintf(&m, "  svc%02d:\n    dir: src/svc%02d\n    git: {remote: ./svc%02d.git, reference: main}\n    dockerBuilder: {image: b:1, workdir: /w}\n    docker: {image: svc%02d}\n", i, i, i, i)
	}
	writeFile(b, filepath.Join(dir, "x-platform.yml"), m.String())
	for _, bc := range []struct {
		name  string
		words []string
		want  int
	}{
		{"environments", []string{"deploy", "--env", ""}, 6},
		{"services", []string{"build", "--services", ""}, 50},
		{"commands", []string{""}, 21},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var total, cpu time.Duration
			for b.Loop() {
				cmd := exec.Command(bin, append(bc.words, "--generate-bash-completion")...)
				cmd.Dir = dir
				start := time.Now()
				out, err := cmd.Output()
				total += time.Since(start)
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
				if n := len(strings.Fields(string(out))); err != nil || n != bc.want {
					b.Fatalf("%q: %v, %d names, want %d:\n%s", bc.words, err, n, bc.want, out)
				}
			}
			// Wall time is what a Tab waits for; CPU time says how much of
			// it is the program's own on a loaded machine.
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/tab")
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/tab")
		})
	}
}
