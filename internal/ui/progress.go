package ui

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/x-platform/x-platform/internal/redact"
)

// Level says how much progress a command prints on stderr.
type Level int

// Levels from -q to -v.
const (
	Quiet Level = iota - 1
	Normal
	Verbose
)

// Progress prints status lines on stderr: marked up for a terminal, plain for
// CI logs and pipes (or when NO_COLOR is set).
type Progress struct {
	lines *Lines
	level Level
	color bool
	term  *os.File
	// board is the live view, when one draws the terminal.
	board *board
}

// NewProgress writes to w at the given level.
func NewProgress(w io.Writer, level Level) *Progress {
	p := &Progress{lines: NewLines(w), level: level, color: IsTerminal(w) && os.Getenv("NO_COLOR") == ""}
	if f, ok := w.(*os.File); ok && p.color {
		p.term = f
	}
	return p
}

// InCI folds each service's lines into one group of ci's log, written
// when the service is done (see Close for those never done).
func (p *Progress) InCI(ci CI) {
	if ci == "" || ci == CINone {
		return
	}
	p.lines.sink = newGroups(p.lines.out, ci, time.Now)
	p.color, p.term = false, nil
}

// Live draws a live view on the terminal progress goes to, width
// columns wide: one line per running service with its step and elapsed
// time, redrawn in place, finished services' last lines above it, a
// failed one with its last lines. Only at the normal level, where lines
// are few enough to be summed up: -v writes them all.
func (p *Progress) Live(width int) {
	if p.level != Normal || p.lines.sink != nil {
		return
	}
	p.live(newBoard(p.lines.out, width, time.Now, 250*time.Millisecond))
}

func (p *Progress) live(b *board) {
	p.board, p.lines.sink = b, b
}

// Terminal is the terminal progress goes to, for a live display; nil when
// it goes to a log, a pipe, or NO_COLOR is set, when quiet, or when the
// live view draws the terminal.
func (p *Progress) Terminal() *os.File {
	if p.level < Normal || p.board != nil {
		return nil
	}
	return p.term
}

// IsTerminal tells whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Level returns the verbosity.
func (p *Progress) Level() Level { return p.level }

// Stepf prints a status line for a service unless quiet.
func (p *Progress) Stepf(service, format string, args ...any) {
	if p.level < Normal {
		return
	}
	p.line(service, "", format, args...)
}

// Close writes what a CI log's groups or a live view still hold; call it
// once the command is done with progress.
func (p *Progress) Close() {
	if p.lines.sink != nil {
		p.lines.sink.close()
	}
}

// Debugf prints only with -v.
func (p *Progress) Debugf(service, format string, args ...any) {
	if p.level < Verbose {
		return
	}
	p.line(service, "", format, args...)
}

// Donef marks a service finished, successfully or not; shown even when quiet
// if it failed.
func (p *Progress) Donef(service string, ok bool, format string, args ...any) {
	if ok && p.level < Normal {
		return
	}
	mark := "ok"
	if !ok {
		mark = "FAILED"
	}
	if p.color {
		mark = "\x1b[32m✓\x1b[0m"
		if !ok {
			mark = "\x1b[31m✗\x1b[0m"
		}
	}
	text := p.prefix(service) + mark + " " + redact.String(fmt.Sprintf(format, args...)) + "\n"
	p.lines.done(service, ok, []byte(text))
}

// Output returns a writer for a service's streamed command output: prefixed
// lines, or io.Discard when quiet.
func (p *Progress) Output(service string) io.WriteCloser {
	if p.level < Normal {
		return nopCloser{io.Discard}
	}
	return p.lines.prefixed(service, p.prefix(service))
}

func (p *Progress) prefix(service string) string {
	// The live view shows a service's lines on its own row.
	if service == "" || p.board != nil {
		return ""
	}
	if p.color {
		return "\x1b[2m" + service + " |\x1b[0m "
	}
	return service + " | "
}

// line masks the secrets of any URL in the message: status lines quote
// remotes and errors, and stderr ends up in CI logs anyone may read.
func (p *Progress) line(service, mark, format string, args ...any) {
	p.lines.write(service, []byte(p.prefix(service)+mark+redact.String(fmt.Sprintf(format, args...))+"\n"))
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
