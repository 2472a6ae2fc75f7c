package ui

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// frames splits what the live view wrote into the frames it drew: each
// starts where the cursor went back up over the running area.
func frames(out string) []string {
	return strings.Split(out, "\r\x1b[J")
}

func TestLiveViewDrawsARowPerRunningService(t *testing.T) {
	var term bytes.Buffer
	p := NewProgress(&term, Normal)
	clock := time.Unix(1700000000, 0)
	p.live(newBoard(&term, 60, func() time.Time { return clock }, 0))
	if p.Terminal() != nil {
		t.Fatal("BuildKit would draw over the live view")
	}

	p.Stepf("zfrontend", "syncing")
	clock = clock.Add(2 * time.Second)
	p.Stepf("zbackend", "syncing")
	clock = clock.Add(70 * time.Second)
	out := p.Output("zbackend")
	_, _ = io.WriteString(out, "go test ./...\nFAIL x_test.go:12 a very long line that does not fit in sixty columns at all\n")
	p.Stepf("", "a line of the whole run")
	p.Donef("zfrontend", true, "built reg/zfrontend:abc")
	p.Donef("zbackend", false, "testing: exit code 1")
	p.Stepf("zgateway", "building")
	p.Close()

	got := frames(term.String())
	long := "FAIL x_test.go:12 a very long line that …"
	want := []string{
		"[ 0:00] zfrontend  syncing\n",
		"[ 0:02] zfrontend  syncing\n[ 0:00] zbackend  syncing\n",
		"[ 1:12] zfrontend  syncing\n[ 1:10] zbackend  go test ./...\n",
		"[ 1:12] zfrontend  syncing\n[ 1:10] zbackend  " + long + "\n",
		"a line of the whole run\n[ 1:12] zfrontend  syncing\n[ 1:10] zbackend  " + long + "\n",
		"zfrontend | ok built reg/zfrontend:abc\n[ 1:10] zbackend  " + long + "\n",
		// Nothing runs after the failure: the next row is drawn below it.
		"zbackend | FAILED testing: exit code 1\n    syncing\n    go test ./...\n    FAIL x_test.go:12 a very long line that does not fit i…\n" +
			"[ 0:00] zgateway  building\n",
		"zgateway | building (not finished)\n",
	}
	if len(got) != len(want) {
		t.Fatalf("%d frames, want %d:\n%q", len(got), len(want), got)
	}
	for i := range want {
		// Each frame after the first begins by going up over the rows drawn.
		frame := got[i]
		if i+1 < len(got) {
			up := strings.LastIndex(frame, "\x1b[")
			if rows := strings.Count(want[i], "] "); frame[up:] != fmt.Sprintf("\x1b[%dA", rows) {
				t.Errorf("frame %d goes up %q over %d rows", i, frame[up:], rows)
			}
			frame = frame[:up]
		}
		if frame != want[i] {
			t.Errorf("frame %d:\n%q\nwant\n%q", i, frame, want[i])
		}
	}
}

func TestLiveViewOnlyAtTheNormalLevel(t *testing.T) {
	for _, level := range []Level{Quiet, Verbose} {
		var term bytes.Buffer
		p := NewProgress(&term, level)
		p.Live(80)
		if p.board != nil {
			t.Errorf("level %d draws a live view", level)
		}
	}
}

func TestLiveViewTicks(t *testing.T) {
	var term syncBuffer
	b := newBoard(&term, 80, time.Now, 10*time.Millisecond)
	b.line("zbackend", []byte("building\n"))
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(term.String(), "zbackend  building") < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	b.close()
	if n := strings.Count(term.String(), "zbackend  building"); n < 3 {
		t.Fatalf("drawn %d times in 5s:\n%q", n, term.String())
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}
