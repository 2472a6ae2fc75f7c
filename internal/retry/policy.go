package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// TimeoutEnv names the setting that overrides DefaultIdle: a Go duration
// such as "90s" or "5m".
const TimeoutEnv = "XP_NETWORK_TIMEOUT"

// DeadlineEnv names the setting that overrides Default.Deadline.
const DeadlineEnv = "XP_TRANSFER_TIMEOUT"

// DefaultIdle is how long a connection may carry no bytes either way before
// the call fails. It bounds a stalled server, not a slow one: a big pull that
// keeps moving is never cut.
const DefaultIdle = 60 * time.Second

// Policy says how network calls wait and retry.
type Policy struct {
	// Idle is how long a connection may stay silent; it also bounds
	// connecting.
	Idle time.Duration
	// Attempts is how many times a call is tried in all.
	Attempts int
	// Backoff is the wait before the second attempt; it doubles after.
	Backoff time.Duration
	// Deadline bounds one whole transfer (a clone, a fetch, an engine's
	// push or pull) however it moves, for what Idle cannot see into.
	Deadline time.Duration
}

// Default is the policy of every network call unless a test says otherwise.
var Default = Policy{Idle: DefaultIdle, Attempts: 4, Backoff: 500 * time.Millisecond, Deadline: 60 * time.Minute}

// WithDefaults fills the fields p leaves zero from Default.
func (p Policy) WithDefaults() Policy {
	if p.Idle <= 0 {
		p.Idle = Default.Idle
	}
	if p.Attempts <= 0 {
		p.Attempts = Default.Attempts
	}
	if p.Backoff <= 0 {
		p.Backoff = Default.Backoff
	}
	if p.Deadline <= 0 {
		p.Deadline = Default.Deadline
	}
	return p
}

// FromEnv returns Default with Idle taken from XP_NETWORK_TIMEOUT and
// Deadline from XP_TRANSFER_TIMEOUT, when set.
func FromEnv() (Policy, error) {
	p := Default
	for _, v := range []struct {
		env string
		dst *time.Duration
	}{{TimeoutEnv, &p.Idle}, {DeadlineEnv, &p.Deadline}} {
		s := os.Getenv(v.env)
		if s == "" {
			continue
		}
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return p, fmt.Errorf("%s must be a positive duration such as 90s or 5m, not %q", v.env, s)
		}
		*v.dst = d
	}
	return p, nil
}

// statusCoder is an answer a server gave with an HTTP status code; callers
// give their errors this method, or wrap them with WithStatus, so that
// Transient can tell a 503 from a 404.
type statusCoder interface{ StatusCode() int }

// WithStatus marks err as a server's answer with an HTTP status code, for
// clients whose errors carry the code without the method.
func WithStatus(err error, code int) error {
	return &statusError{err, code}
}

type statusError struct {
	err  error
	code int
}

func (e *statusError) Error() string   { return e.err.Error() }
func (e *statusError) Unwrap() error   { return e.err }
func (e *statusError) StatusCode() int { return e.code }

// Transient says whether err is worth another attempt: a connection reset
// or closed early, a body cut short, or a server's 5xx, 408 or 429. A
// stalled connection (*StallError) is not retried: the server may well stall
// again, and the call must end in a bounded time.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var stall *StallError
	if errors.As(err, &stall) {
		return false
	}
	var sc statusCoder
	if errors.As(err, &sc) {
		c := sc.StatusCode()
		return c >= 500 || c == 408 || c == 429
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

// Do calls fn until it succeeds, fails with an error that is not
// transient, Attempts are used up, or ctx ends; it waits Backoff, then
// twice that, and so on between attempts. It returns fn's last error.
func (p Policy) Do(ctx context.Context, fn func(context.Context) error) error {
	wait := p.Backoff
	var err error
	for attempt := 1; ; attempt++ {
		err = fn(ctx)
		if err == nil || !Transient(err) || attempt >= p.Attempts {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait *= 2
	}
}
