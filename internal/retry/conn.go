package retry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// StallError reports a connection that carried no bytes for the policy's
// idle time.
type StallError struct {
	Addr string
	Idle time.Duration
}

func (e *StallError) Error() string {
	return fmt.Sprintf("%s sent nothing for %s (the server is stalled or the network is down; set %s to wait longer)", e.Addr, e.Idle, TimeoutEnv)
}

// Timeout makes a StallError a net.Error timeout, as net/http expects of
// connection errors.
func (e *StallError) Timeout() bool { return true }

// Temporary is false so that no library retries a stall on its own.
func (e *StallError) Temporary() bool { return false }

// DialContext connects with the policy's idle time as the connect timeout
// and returns a connection that fails with *StallError once a read or write
// has waited Idle without progress.
func (p Policy) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: p.Idle, KeepAlive: 30 * time.Second}
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
			return nil, fmt.Errorf("connecting to %s: no answer within %s (set %s to wait longer)", addr, p.Idle, TimeoutEnv)
		}
		return nil, err
	}
	return &idleConn{Conn: c, addr: addr, idle: p.Idle}, nil
}

// idleConn moves its deadline forward on every read and write, so that
// only silence ends it, never a long transfer.
type idleConn struct {
	net.Conn
	addr string
	idle time.Duration
}

func (c *idleConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.idle)); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(b)
	return n, c.stalled(err)
}

func (c *idleConn) Write(b []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.idle)); err != nil {
		return 0, err
	}
	n, err := c.Conn.Write(b)
	return n, c.stalled(err)
}

func (c *idleConn) stalled(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return &StallError{Addr: c.addr, Idle: c.idle}
	}
	return err
}
