package testenv

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// FaultMode is how a FaultProxy treats connections.
type FaultMode int

// The modes of a FaultProxy. A change of mode applies to the connections
// accepted after it, and Refuse, Stall and Cut also end the ones open then,
// as a server that goes away would.
const (
	// Pass forwards bytes both ways untouched.
	Pass FaultMode = iota
	// Refuse closes every new connection at once, as a server that is down.
	Refuse
	// Stall accepts connections and never answers, as a hung server.
	Stall
	// Cut forwards the first CutAfter bytes of each answer, then closes the
	// connection mid-body.
	Cut
	// Slow forwards answers in small pieces with a pause between them.
	Slow
)

// FaultProxy is a TCP proxy in front of a real server whose behaviour a
// test switches at run time, to show how a client copes with a flaky
// network. It knows nothing of the protocol: TLS passes through it.
type FaultProxy struct {
	target string
	l      net.Listener

	mu       sync.Mutex
	mode     FaultMode
	cutAfter int64
	conns    map[net.Conn]bool
	// faulted counts the connections a fault closed or held.
	faulted atomic.Int64
}

// StartFaultProxy listens on a loopback port and forwards to target
// (host:port) until the test ends.
func StartFaultProxy(t testing.TB, target string) *FaultProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("starting a fault proxy: %v", err)
	}
	p := &FaultProxy{target: target, l: l, cutAfter: 64, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() {
		l.Close()
		p.closeAll()
	})
	return p
}

// Addr is the proxy's host:port.
func (p *FaultProxy) Addr() string { return p.l.Addr().String() }

// Set switches the mode.
func (p *FaultProxy) Set(m FaultMode) {
	p.mu.Lock()
	p.mode = m
	p.mu.Unlock()
	if m == Refuse || m == Stall || m == Cut {
		p.closeAll()
	}
}

// SetCutAfter says how many bytes of an answer Cut lets through; 64 unless set.
func (p *FaultProxy) SetCutAfter(n int64) {
	p.mu.Lock()
	p.cutAfter = n
	p.mu.Unlock()
}

// Faulted is how many connections a fault has closed or held so far, so a
// test can wait until a client has met the fault.
func (p *FaultProxy) Faulted() int64 { return p.faulted.Load() }

func (p *FaultProxy) current() (FaultMode, int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode, p.cutAfter
}

func (p *FaultProxy) track(c net.Conn, open bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if open {
		p.conns[c] = true
	} else {
		delete(p.conns, c)
	}
}

func (p *FaultProxy) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

func (p *FaultProxy) serve() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

func (p *FaultProxy) handle(client net.Conn) {
	p.track(client, true)
	defer p.track(client, false)
	defer client.Close()
	mode, cutAfter := p.current()
	switch mode {
	case Refuse:
		p.faulted.Add(1)
		return
	case Stall:
		p.faulted.Add(1)
		_, _ = io.Copy(io.Discard, client) // until the client or Set gives up
		return
	}
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	p.track(server, true)
	defer p.track(server, false)
	defer server.Close()
	go func() {
		_, _ = io.Copy(server, client)
		server.Close()
	}()
	var answer io.Writer = client
	switch mode {
	case Cut:
		answer = &cutWriter{w: client, left: cutAfter, cut: func() { p.faulted.Add(1) }}
	case Slow:
		answer = &slowWriter{w: client}
	}
	_, _ = io.Copy(answer, server)
}

// cutWriter passes left bytes, then fails, which ends the copy and closes
// the connection.
type cutWriter struct {
	w    io.Writer
	left int64
	cut  func()
}

func (c *cutWriter) Write(b []byte) (int, error) {
	if int64(len(b)) > c.left {
		n, _ := c.w.Write(b[:c.left])
		c.left = 0
		c.cut()
		return n, io.ErrClosedPipe
	}
	c.left -= int64(len(b))
	return c.w.Write(b)
}

// slowWriter passes 16 bytes every 20ms.
type slowWriter struct{ w io.Writer }

func (s *slowWriter) Write(b []byte) (int, error) {
	written := 0
	for len(b) > 0 {
		n := min(len(b), 16)
		m, err := s.w.Write(b[:n])
		written += m
		if err != nil {
			return written, err
		}
		b = b[n:]
		time.Sleep(20 * time.Millisecond)
	}
	return written, nil
}
