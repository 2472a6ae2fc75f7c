package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// RSSMeter measures the peak resident set size of commands. The rusage of a
// command itself cannot say: Go starts children with vfork, and the child's
// figure then includes the test process's own peak from before the exec.
type RSSMeter struct{ bin string }

// NewRSSMeter builds the peakrss helper that commands are started under.
func NewRSSMeter(tb testing.TB) RSSMeter {
	tb.Helper()
	return RSSMeter{bin: buildTool(tb, "peakrss", "peakrss")}
}

// Wrap makes cmd run under the helper and returns a function that, once cmd
// has ended, gives the peak resident set size of its program and the
// program's children in KiB.
func (m RSSMeter) Wrap(tb testing.TB, cmd *exec.Cmd) (peakKiB func() int64) {
	tb.Helper()
	file := filepath.Join(tb.TempDir(), "peak")
	cmd.Args = append([]string{m.bin, file, cmd.Path}, cmd.Args[1:]...)
	cmd.Path = m.bin
	return func() int64 {
		raw, err := os.ReadFile(file)
		if err != nil {
			tb.Fatalf("reading the peak RSS of %s: %v", cmd.Args[2], err)
		}
		kib, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
		if err != nil {
			tb.Fatalf("reading the peak RSS of %s: %v", cmd.Args[2], err)
		}
		return kib
	}
}
