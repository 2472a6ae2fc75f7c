package ui

import (
	"bytes"
	"io"
	"sync"
)

// Lines serialises whole lines from many writers onto one stream, so output of
// services built in parallel never interleaves mid-line.
type Lines struct {
	mu  sync.Mutex
	out io.Writer
	// sink, when set, takes every line instead of out: a CI log's groups
	// or a terminal's live view.
	sink sink
}

// sink is where a Lines hands each service's lines when they are not
// simply written in turn.
type sink interface {
	line(service string, text []byte)
	done(service string, ok bool, text []byte)
	close()
}

// NewLines returns a Lines writing to out.
func NewLines(out io.Writer) *Lines { return &Lines{out: out} }

// Prefixed returns a writer that prefixes every line with prefix. Call Flush
// (or Close) to emit a last line that has no newline.
func (l *Lines) Prefixed(prefix string) *Prefixer {
	return l.prefixed("", prefix)
}

func (l *Lines) prefixed(service, prefix string) *Prefixer {
	return &Prefixer{lines: l, service: service, prefix: []byte(prefix)}
}

func (l *Lines) write(service string, p []byte) {
	if l.sink != nil {
		l.sink.line(service, p)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.out.Write(p)
}

// done writes a service's last line; a sink closes the service's group
// or row with it.
func (l *Lines) done(service string, ok bool, p []byte) {
	if l.sink != nil {
		l.sink.done(service, ok, p)
		return
	}
	l.write(service, p)
}

// Prefixer is an io.Writer that hands complete, prefixed lines to a Lines.
type Prefixer struct {
	lines   *Lines
	service string
	prefix  []byte
	mu      sync.Mutex
	buf     []byte
}

// Write buffers p and emits every complete line in it.
func (w *Prefixer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.emit(w.buf[:i+1])
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

// Flush emits a pending partial line, ending it with a newline.
func (w *Prefixer) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(append(w.buf, '\n'))
		w.buf = nil
	}
}

// Close flushes; it lets a Prefixer stand where an io.WriteCloser is wanted.
func (w *Prefixer) Close() error {
	w.Flush()
	return nil
}

func (w *Prefixer) emit(line []byte) {
	// Carriage returns from progress bars would overwrite the prefix.
	line = bytes.ReplaceAll(line, []byte{'\r'}, nil)
	out := make([]byte, 0, len(w.prefix)+len(line))
	out = append(out, w.prefix...)
	out = append(out, line...)
	w.lines.write(w.service, out)
}
