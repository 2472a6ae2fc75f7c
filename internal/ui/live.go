package ui

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// tailLines is how many of a failed service's last lines the live view
// shows under it.
const tailLines = 5

// board is the live view of a terminal: finished services' last lines
// scroll up as plain lines, and below them one line per running service
// with its current step and elapsed time is drawn again in place; a
// failed service is expanded with its last lines.
type board struct {
	mu     sync.Mutex
	out    io.Writer
	now    func() time.Time
	width  int
	rows   []*liveRow
	drawn  int // lines of the running area on screen
	stop   chan struct{}
	ticked chan struct{}
}

type liveRow struct {
	service string
	step    string
	start   time.Time
	tail    []string
}

var _ sink = (*board)(nil)

// newBoard draws on out, width columns wide; tick > 0 redraws that often,
// so elapsed times move while nothing is printed.
func newBoard(out io.Writer, width int, now func() time.Time, tick time.Duration) *board {
	b := &board{out: out, now: now, width: max(width, 20)}
	if tick > 0 {
		b.stop, b.ticked = make(chan struct{}), make(chan struct{})
		go b.tick(tick)
	}
	return b
}

func (b *board) tick(every time.Duration) {
	defer close(b.ticked)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			b.mu.Lock()
			if len(b.rows) > 0 {
				b.redraw(nil)
			}
			b.mu.Unlock()
		}
	}
}

func (b *board) row(service string) *liveRow {
	for _, r := range b.rows {
		if r.service == service {
			return r
		}
	}
	r := &liveRow{service: service, start: b.now()}
	b.rows = append(b.rows, r)
	return r
}

func (b *board) line(service string, text []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if service == "" {
		b.redraw(text)
		return
	}
	r := b.row(service)
	r.step = strings.TrimSpace(string(bytes.TrimRight(text, "\n")))
	r.tail = append(r.tail, r.step)
	if len(r.tail) > tailLines {
		r.tail = r.tail[len(r.tail)-tailLines:]
	}
	b.redraw(nil)
}

func (b *board) done(service string, ok bool, text []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if service == "" {
		b.redraw(text)
		return
	}
	r := b.row(service)
	var final bytes.Buffer
	fmt.Fprintf(&final, "%s | %s", service, text)
	if !ok {
		for _, l := range r.tail {
			fmt.Fprintf(&final, "    %s\n", b.fit(l, 4))
		}
	}
	b.remove(service)
	b.redraw(final.Bytes())
}

func (b *board) remove(service string) {
	for i, r := range b.rows {
		if r.service == service {
			b.rows = append(b.rows[:i], b.rows[i+1:]...)
			return
		}
	}
}

// close leaves the running services' last steps on the screen.
func (b *board) close() {
	if b.stop != nil {
		close(b.stop)
		<-b.ticked
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var rest bytes.Buffer
	for _, r := range b.rows {
		fmt.Fprintf(&rest, "%s | %s (not finished)\n", r.service, r.step)
	}
	b.rows = nil
	b.redraw(rest.Bytes())
}

// redraw clears the running area, writes above the lines that stay, and
// draws the running area again: one write, so the terminal never shows
// half a frame.
func (b *board) redraw(above []byte) {
	var f bytes.Buffer
	if b.drawn > 0 {
		fmt.Fprintf(&f, "\x1b[%dA\r\x1b[J", b.drawn)
	}
	f.Write(above)
	now := b.now()
	for _, r := range b.rows {
		elapsed := now.Sub(r.start).Truncate(time.Second)
		head := fmt.Sprintf("%s %s", elapsedText(elapsed), r.service)
		fmt.Fprintf(&f, "%s\n", b.fit(head+"  "+r.step, 0))
	}
	b.drawn = len(b.rows)
	_, _ = b.out.Write(f.Bytes())
}

func elapsedText(d time.Duration) string {
	return fmt.Sprintf("[%2d:%02d]", int(d.Minutes()), int(d.Seconds())%60)
}

// fit cuts a line to the terminal's width less indent, so a line never
// wraps and the count of lines to redraw stays right.
func (b *board) fit(s string, indent int) string {
	s = strings.ReplaceAll(s, "\t", " ")
	r := []rune(s)
	if n := b.width - indent - 1; len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
