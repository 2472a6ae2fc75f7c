package app

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
	cases := []struct {
		name  string
		words []string
		want  int
	}{
		{"environments", []string{"deploy", "--env", ""}, 6},
		{"services", []string{"build", "--services", ""}, 50},
		{"commands", []string{""}, len(visibleCommandNames(newApp(Streams{}).Commands))},
	}
	for _, bc := range cases {
		b.Run("script/"+bc.name, func(b *testing.B) { benchScriptTab(b, dir, bc.words, bc.want) })
	}
	for _, bc := range cases {
		b.Run("program/"+bc.name, func(b *testing.B) {
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

// benchScriptTab is a Tab in a bash that has sourced the completion script
// once, as a user's shell does at start: the time from the line that sets
// COMP_WORDS and calls the completion function to its last candidate read
// back, the shell's forks and the manifest's awk included.
func benchScriptTab(b *testing.B, dir string, words []string, want int) {
	script, _, _ := completionScriptB(b)
	file := filepath.Join(b.TempDir(), "completion.bash")
	writeFile(b, file, script)
	sh := exec.Command("bash", "--norc", "--noprofile")
	sh.Dir = dir
	sh.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + b.TempDir()}
	in, err := sh.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	outPipe, err := sh.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = in.Close(); _ = sh.Wait() }()
	out := bufio.NewReader(outPipe)
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = "'" + w + "'"
	}
	tab := fmt.Sprintf("COMP_WORDS=(x-platform %s); COMP_CWORD=%d; _x_platform; printf '%%s\\n' \"${COMPREPLY[@]}\" @@\n", strings.Join(quoted, " "), len(words))
	if _, err := fmt.Fprintf(in, "source %s\n", file); err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	cpu0 := shellCPU(sh.Process.Pid)
	for b.Loop() {
		start := time.Now()
		if _, err := io.WriteString(in, tab); err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			line, err := out.ReadString('\n')
			if err != nil {
				b.Fatalf("reading candidates: %v", err)
			}
			if line == "@@\n" {
				break
			}
			n++
		}
		total += time.Since(start)
		if n != want {
			b.Fatalf("%q: %d names, want %d", words, n, want)
		}
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/tab")
	if cpu0 >= 0 {
		b.ReportMetric(float64((shellCPU(sh.Process.Pid)-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/tab")
	}
}

// shellCPU is the CPU time of process pid and of its children it waited
// for (the completion's forks, awk), from /proc; -1 where there is none.
func shellCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// The fields after the command's name: utime, stime, cutime and cstime
	// are the 12th to the 15th of them, in clock ticks (100 a second).
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	var ticks int64
	for _, v := range f[11:15] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return -1
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

func completionScriptB(b *testing.B) (string, int, string) {
	var out, errOut strings.Builder
	code := Run(b.Context(), []string{"x-platform", "completion", "bash"}, Streams{Out: &out, Err: &errOut})
	if code != ExitOK {
		b.Fatalf("completion bash: exit %d, %s", code, errOut.String())
	}
	return out.String(), code, errOut.String()
}
