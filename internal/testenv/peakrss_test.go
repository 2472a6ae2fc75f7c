package testenv

import (
	"os/exec"
	"runtime"
	"syscall"
	"testing"
)

// The meter gives the program's own peak, where the rusage of a child
// started straight from a test process with a big heap carries that heap.
func TestRSSMeterMeasuresTheProgramNotTheTestProcess(t *testing.T) {
	ballast := make([]byte, 256<<20)
	for i := range ballast {
		ballast[i] = byte(i)
	}

	direct := exec.Command("true")
	if err := direct.Run(); err != nil {
		t.Fatal(err)
	}
	directKiB := direct.ProcessState.SysUsage().(*syscall.Rusage).Maxrss

	m := NewRSSMeter(t)
	cmd := exec.Command("true")
	peak := m.Wrap(t, cmd)
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(ballast)

	if directKiB < 200<<10 {
		t.Logf("the direct rusage says %d KiB: this kernel does not carry the parent's peak", directKiB)
	}
	if got := peak(); got <= 0 || got > 64<<10 {
		t.Fatalf("peak RSS of true = %d KiB, want between 0 and 64 MiB (the test process holds 256 MiB)", got)
	}
}

func TestRSSMeterKeepsTheExitCode(t *testing.T) {
	m := NewRSSMeter(t)
	cmd := exec.Command("sh", "-c", "exit 3")
	peak := m.Wrap(t, cmd)
	err := cmd.Run()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 3 {
		t.Fatalf("exit = %v, want 3", err)
	}
	if peak() <= 0 {
		t.Fatal("no peak written for a program that failed")
	}
}
