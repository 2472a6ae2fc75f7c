package buildkit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	bk "github.com/moby/buildkit/client"
	gwpb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/util/progress/progressui"

	"github.com/x-platform/x-platform/internal/redact"
)

// show prints BuildKit's progress for spec, plain, with secret values
// masked. Once status is closed and everything is printed, it sends on the
// returned channel the name of the step that failed, if one did.
func show(ctx context.Context, spec *Spec, status chan *bk.SolveStatus) <-chan string {
	failed := make(chan string, 1)
	out := newMasker(orDiscard(spec.Log), spec.Secrets)
	d, _ := progressui.NewDisplay(out, progressui.PlainMode)
	if spec.Console != nil {
		if live, err := progressui.NewDisplay(spec.Console, progressui.TtyMode); err == nil {
			d = live
		}
	}
	shown := make(chan *bk.SolveStatus)
	var name string
	go func() {
		defer close(shown)
		for st := range status {
			// The live display writes logs itself: mask them on the way.
			for _, l := range st.Logs {
				l.Data = out.mask(l.Data)
			}
			for _, v := range st.Vertexes {
				if v.Error != "" && name == "" && !strings.Contains(v.Error, context.Canceled.Error()) {
					name = v.Name
				}
			}
			shown <- st
		}
	}()
	go func() {
		// The display ends when shown is closed; its error, if any, is about
		// our own writer, and the build's outcome does not depend on it.
		_, _ = d.UpdateFrom(context.WithoutCancel(ctx), shown)
		out.flush()
		failed <- name
	}()
	return failed
}

// StepError is a step of a build that failed: a script line, or a step of
// the Dockerfile.
type StepError struct {
	// Step is the step's name as the progress shows it.
	Step string
	// Line is the 1-based index in Spec.Lines of the line that failed; 0
	// when the step was not a script line.
	Line     int
	ExitCode int
	Err      error
}

func (e *StepError) Error() string {
	if e.ExitCode > 0 {
		return fmt.Sprintf("%s: exited with code %d", e.Step, e.ExitCode)
	}
	return fmt.Sprintf("%s: %v", e.Step, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

var exitCode = regexp.MustCompile(`exit code: (\d+)`)

// describe names the failed step in err when there was one.
func describe(spec *Spec, err error, step string) error {
	if step == "" || errors.Is(err, context.Canceled) {
		return err
	}
	se := &StepError{Step: step, Err: err}
	for i := range spec.Lines {
		if spec.lineName(i) == step {
			se.Line = i + 1
		}
	}
	var exit *gwpb.ExitError
	if errors.As(err, &exit) {
		se.ExitCode = int(exit.ExitCode)
	} else if m := exitCode.FindStringSubmatch(err.Error()); m != nil {
		// Older daemons (the Docker engine's 20.10) send the code as text only.
		se.ExitCode, _ = strconv.Atoi(m[1])
	}
	return se
}

// masker replaces secret values in what it writes, line by line, so that a
// value split across writes is still caught.
type masker struct {
	dst     io.Writer
	secrets [][]byte
	buf     []byte
}

func newMasker(dst io.Writer, secrets map[string][]byte) *masker {
	m := &masker{dst: dst}
	for _, v := range secrets {
		for _, line := range bytes.Split(bytes.TrimSpace(v), []byte("\n")) {
			if line = bytes.TrimSpace(line); len(line) >= 4 {
				m.secrets = append(m.secrets, line)
			}
		}
	}
	return m
}

func (m *masker) Write(p []byte) (int, error) {
	m.buf = append(m.buf, p...)
	i := bytes.LastIndexByte(m.buf, '\n')
	if i < 0 {
		return len(p), nil
	}
	err := m.emit(m.buf[:i+1])
	m.buf = append(m.buf[:0], m.buf[i+1:]...)
	return len(p), err
}

func (m *masker) emit(b []byte) error {
	_, err := m.dst.Write(m.mask(b))
	return err
}

// mask replaces every secret value in b, and the secrets of any URL a
// script printed, with redact's one mask.
func (m *masker) mask(b []byte) []byte {
	for _, s := range m.secrets {
		b = bytes.ReplaceAll(b, s, []byte(redact.Mask))
	}
	return []byte(redact.String(string(b)))
}

func (m *masker) flush() {
	if len(m.buf) > 0 {
		_ = m.emit(m.buf)
		m.buf = nil
	}
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
