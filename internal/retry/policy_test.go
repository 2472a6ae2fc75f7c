package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

type status int

func (s status) Error() string   { return fmt.Sprintf("status %d", int(s)) }
func (s status) StatusCode() int { return int(s) }

func TestTransient(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{status(503), true},
		{fmt.Errorf("getting: %w", status(502)), true},
		{status(429), true},
		{status(404), false},
		{status(401), false},
		{io.ErrUnexpectedEOF, true},
		{fmt.Errorf("reading: %w", syscall.ECONNRESET), true},
		{&StallError{Addr: "h:1", Idle: time.Second}, false},
		{context.DeadlineExceeded, false},
		{errors.New("manifest invalid"), false},
	}
	for _, tt := range tests {
		if got := Transient(tt.err); got != tt.want {
			t.Errorf("Transient(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestDoRetriesTransientFailuresABoundedNumberOfTimes(t *testing.T) {
	p := Policy{Attempts: 3, Backoff: time.Millisecond}
	tests := []struct {
		name      string
		errs      []error
		wantCalls int
		wantErr   error
	}{
		{"success at once", []error{nil}, 1, nil},
		{"success on the third attempt", []error{status(503), io.ErrUnexpectedEOF, nil}, 3, nil},
		{"gives up after attempts", []error{status(503), status(503), status(503), nil}, 3, status(503)},
		{"no retry of an answer", []error{status(404), nil}, 1, status(404)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			err := p.Do(t.Context(), func(context.Context) error {
				calls++
				return tt.errs[calls-1]
			})
			if calls != tt.wantCalls || !errors.Is(err, tt.wantErr) && err != tt.wantErr {
				t.Errorf("calls = %d, err = %v; want %d, %v", calls, err, tt.wantCalls, tt.wantErr)
			}
		})
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv(TimeoutEnv, "90s")
	t.Setenv(DeadlineEnv, "2h")
	if p, err := FromEnv(); err != nil || p.Idle != 90*time.Second || p.Deadline != 2*time.Hour || p.Attempts != Default.Attempts {
		t.Errorf("FromEnv() = %+v, %v; want Idle 90s, Deadline 2h", p, err)
	}
	for _, env := range []string{TimeoutEnv, DeadlineEnv} {
		t.Setenv(env, "soon")
		if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), env) {
			t.Errorf("FromEnv() error = %v, want one naming %s", err, env)
		}
		t.Setenv(env, "")
	}
}

// A server that accepts and never answers fails a read after Idle; one that
// keeps sending, however slowly, does not.
func TestIdleConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 1)
				if _, err := c.Read(buf); err != nil || buf[0] == 's' {
					io.Copy(io.Discard, c) // stall
					return
				}
				for range 5 { // trickle: a byte every 100ms, slower than Idle in total
					time.Sleep(100 * time.Millisecond)
					c.Write([]byte("x"))
				}
			}()
		}
	}()
	p := Policy{Idle: 300 * time.Millisecond}
	for _, mode := range []string{"s", "t"} {
		c, err := p.DialContext(t.Context(), "tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(mode))
		n, err := io.ReadFull(c, make([]byte, 5))
		c.Close()
		var stall *StallError
		switch {
		case mode == "s" && (!errors.As(err, &stall) || !strings.Contains(err.Error(), ln.Addr().String()+" sent nothing for 300ms")):
			t.Errorf("stalled server: err = %v, want a StallError naming the address", err)
		case mode == "t" && (err != nil || n != 5):
			t.Errorf("trickling server: read %d bytes, err = %v; want all 5", n, err)
		}
	}
}

func TestWithDefaultsKeepsWhatIsSet(t *testing.T) {
	got := Policy{Idle: time.Second}.WithDefaults()
	want := Default
	want.Idle = time.Second
	if got != want {
		t.Errorf("WithDefaults() = %+v, want %+v", got, want)
	}
}

func TestWithStatus(t *testing.T) {
	base := errors.New("answer")
	for code, want := range map[int]bool{503: true, 429: true, 404: false, 401: false} {
		err := WithStatus(base, code)
		if Transient(err) != want || !errors.Is(err, base) {
			t.Errorf("WithStatus(_, %d): Transient = %v, want %v; wraps the answer: %v", code, Transient(err), want, errors.Is(err, base))
		}
	}
}
