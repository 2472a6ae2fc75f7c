package testenv

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// HTTPFault is a proxy on loopback in front of an HTTP server (a registry, a
// smart-HTTP git remote) that misbehaves on demand the way real networks
// and servers do. One fault is in force at a time; setting one replaces the
// last, and applies to connections made from then on;
// connections already open are closed, so a client cannot slip past it on
// a kept-alive connection.
type HTTPFault struct {
	// Addr is the proxy's host:port; clients use it in place of the target's.
	Addr string

	target string
	ln     net.Listener

	mu       sync.Mutex
	fail     int    // requests still to answer with 503
	match    string // when set, only requests whose "METHOD path" holds it fail
	stall    bool   // accept and send nothing
	cutAfter int64  // close each connection after this many bytes from the server; 0 off
	rate     int    // bytes per second from the server; 0 unlimited
	requests int    // requests answered with 503 so far
	conns    map[net.Conn]bool
}

// StartHTTPFault proxies a loopback port to target (host:port) until the
// test ends; it passes everything through until a fault is set.
func StartHTTPFault(t testing.TB, target string) *HTTPFault {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening for the fault proxy: %v", err)
	}
	f := &HTTPFault{Addr: ln.Addr().String(), target: target, ln: ln, conns: map[net.Conn]bool{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.serve()
	}()
	t.Cleanup(func() {
		ln.Close()
		f.closeAll()
		<-done
	})
	return f
}

// Fail answers the next n requests with 503 Service Unavailable, each on a
// connection of its own that is closed after the answer.
func (f *HTTPFault) Fail(n int) { f.set(func() { f.fail = n }) }

// FailMatching answers the next n requests whose "METHOD path" contains
// match (say "PUT /v2/app/manifests/key-") with 503 and passes the others
// through: a push cut half-way, after some of its writes went through.
func (f *HTTPFault) FailMatching(match string, n int) {
	f.set(func() { f.fail, f.match = n, match })
}

// Stall accepts connections and never answers them.
func (f *HTTPFault) Stall() { f.set(func() { f.stall = true }) }

// CutAfter closes each connection once the server has sent n bytes on it,
// which for a response longer than n cuts its body short.
func (f *HTTPFault) CutAfter(n int64) { f.set(func() { f.cutAfter = n }) }

// Slow passes at most bytesPerSecond from the server on each connection.
func (f *HTTPFault) Slow(bytesPerSecond int) { f.set(func() { f.rate = bytesPerSecond }) }

// Clear removes every fault.
func (f *HTTPFault) Clear() {
	f.set(func() {})
}

// Failed says how many requests got a 503 from the proxy.
func (f *HTTPFault) Failed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// set replaces the fault in force: one at a time.
func (f *HTTPFault) set(change func()) {
	f.mu.Lock()
	f.fail, f.match, f.stall, f.cutAfter, f.rate = 0, "", false, 0, 0
	change()
	f.mu.Unlock()
	f.closeAll()
}

func (f *HTTPFault) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.conns {
		c.Close()
	}
	clear(f.conns)
}

func (f *HTTPFault) track(c net.Conn) {
	f.mu.Lock()
	f.conns[c] = true
	f.mu.Unlock()
}

func (f *HTTPFault) serve() {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.track(c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			f.handle(c)
		}()
	}
}

func (f *HTTPFault) handle(c net.Conn) {
	f.mu.Lock()
	failing := f.fail > 0 && f.match == ""
	if failing {
		f.fail--
		f.requests++
	}
	stall, cut, rate, match := f.stall, f.cutAfter, f.rate, f.match
	f.mu.Unlock()
	switch {
	case match != "":
		f.filter(c, match)
		return
	case stall:
		io.Copy(io.Discard, c) // until the client gives up or the fault changes
		return
	case failing:
		f.answer503(c)
		return
	}
	up, err := net.Dial("tcp", f.target)
	if err != nil {
		return
	}
	f.track(up)
	defer up.Close()
	go func() {
		io.Copy(up, c)
		up.(*net.TCPConn).CloseWrite()
	}()
	var down io.Reader = up
	if cut > 0 {
		down = io.LimitReader(down, cut)
	}
	if rate > 0 {
		down = &slowReader{r: down, rate: rate}
	}
	io.Copy(c, down)
}

// answer503 reads one request and answers it with 503, as a registry or
// git host behind an overloaded load balancer does.
func (f *HTTPFault) answer503(c net.Conn) {
	defer c.(*net.TCPConn).CloseWrite()
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return
	}
	io.Copy(io.Discard, req.Body)
	write503(c)
}

func write503(c net.Conn) {
	body := "fault proxy: service unavailable\n"
	io.WriteString(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: close\r\n"+
		"Content-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
}

// filter proxies one request at a time so that it can answer those
// matching with 503 and close, as a load balancer cutting a push short.
func (f *HTTPFault) filter(c net.Conn, match string) {
	var up net.Conn
	var upr *bufio.Reader
	cr := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(cr)
		if err != nil {
			return
		}
		f.mu.Lock()
		fail := f.fail > 0 && strings.Contains(req.Method+" "+req.URL.Path, match)
		if fail {
			f.fail--
			f.requests++
		}
		f.mu.Unlock()
		if fail {
			io.Copy(io.Discard, req.Body)
			write503(c)
			return
		}
		if up == nil {
			if up, err = net.Dial("tcp", f.target); err != nil {
				return
			}
			f.track(up)
			defer up.Close()
			upr = bufio.NewReader(up)
		}
		if err := req.Write(up); err != nil {
			return
		}
		resp, err := http.ReadResponse(upr, req)
		if err != nil {
			return
		}
		err = resp.Write(c)
		resp.Body.Close()
		if err != nil {
			return
		}
	}
}

// slowReader hands out at most rate bytes per second, in pieces of a tenth
// of that.
type slowReader struct {
	r    io.Reader
	rate int
}

func (s *slowReader) Read(p []byte) (int, error) {
	chunk := max(s.rate/10, 1)
	if len(p) > chunk {
		p = p[:chunk]
	}
	time.Sleep(100 * time.Millisecond) // the bandwidth limit itself, not a wait for a condition
	return s.r.Read(p)
}
