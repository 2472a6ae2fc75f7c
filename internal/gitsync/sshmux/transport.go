package sshmux

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"

	"github.com/x-platform/x-platform/internal/gitsync/gitauth"
)

const (
	// maxSessions stays under OpenSSH's default MaxSessions (10): past it
	// the server refuses new channels, so another connection is opened.
	maxSessions = 8
	// maxConns bounds the connections per login: sessions past
	// maxConns*maxSessions wait for one to end. A session mostly waits on
	// the server, so a second connection still pays; the logins in flight
	// stay far under OpenSSH's MaxStartups (10 unauthenticated).
	maxConns = 2
	// idle is how long a connection with no session is kept, as
	// ControlPersist would: long enough for the fetches of one run, short
	// enough not to outlive it by much.
	idle = 5 * time.Second
)

// Transport is a go-git transport for ssh remotes. Logins it does not know
// (any AuthMethod but *gitauth.SSHAuth) and pushes go to go-git's own
// client, which opens a connection each time.
type Transport struct {
	mu    sync.Mutex
	freed *sync.Cond         // signalled when a session ends or a connection goes
	conns map[string][]*conn // login key → open connections
}

var _ transport.Transport = (*Transport)(nil)

// New returns a Transport with no connection open yet.
func New() *Transport {
	t := &Transport{conns: map[string][]*conn{}}
	t.freed = sync.NewCond(&t.mu)
	return t
}

// conn is one ssh connection and the sessions running on it.
type conn struct {
	ready  chan struct{} // closed once dialled; then client or err is set
	client *ssh.Client
	err    error
	active int
	timer  *time.Timer // closes the connection once idle
	broken bool
}

// NewUploadPackSession implements transport.Transport.
func (t *Transport) NewUploadPackSession(ep *transport.Endpoint, auth transport.AuthMethod) (transport.UploadPackSession, error) {
	a, ok := auth.(*gitauth.SSHAuth)
	if !ok {
		return gitssh.DefaultClient.NewUploadPackSession(ep, auth)
	}
	key := a.LoginID()
	for attempt := 0; ; attempt++ {
		c, err := t.acquire(key, a)
		if err != nil {
			return nil, err
		}
		s, err := start(c.client, "git-upload-pack "+shellQuote(ep.Path), func() { t.release(key, c) })
		if err == nil {
			return s, nil
		}
		// The server closed an idle connection, or refuses more channels
		// on it than we thought: leave it and try a new one, once.
		t.drop(key, c)
		t.release(key, c)
		if attempt == 1 {
			return nil, fmt.Errorf("starting git-upload-pack on %s: %w", a.Alias, err)
		}
	}
}

// NewReceivePackSession implements transport.Transport with go-git's own
// client: pushing is no part of a sync.
func (t *Transport) NewReceivePackSession(ep *transport.Endpoint, auth transport.AuthMethod) (transport.ReceivePackSession, error) {
	return gitssh.DefaultClient.NewReceivePackSession(ep, auth)
}

// acquire returns a connection for the login with a free session slot,
// dialling one when none has and fewer than maxConns are open, else
// waiting for a slot. Callers that arrive while one is dialled wait for it
// rather than each dialling their own.
func (t *Transport) acquire(key string, a *gitauth.SSHAuth) (*conn, error) {
	t.mu.Lock()
	for len(t.conns[key]) >= maxConns && !t.hasSlot(key) {
		t.freed.Wait()
	}
	for _, c := range t.conns[key] {
		if !c.broken && c.active < maxSessions {
			c.active++
			if c.timer != nil {
				c.timer.Stop()
				c.timer = nil
			}
			t.mu.Unlock()
			<-c.ready
			if c.err != nil {
				return nil, c.err
			}
			return c, nil
		}
	}
	c := &conn{active: 1, ready: make(chan struct{})}
	t.conns[key] = append(t.conns[key], c)
	t.mu.Unlock()

	c.client, c.err = dial(a)
	if c.err != nil {
		t.mu.Lock()
		t.remove(key, c)
		t.mu.Unlock()
		close(c.ready)
		return nil, c.err
	}
	close(c.ready)
	go func() {
		// Forget the connection when the server or network drops it.
		_ = c.client.Wait()
		t.drop(key, c)
	}()
	return c, nil
}

// hasSlot reports whether an open connection of the login can take one
// more session; t.mu is held.
func (t *Transport) hasSlot(key string) bool {
	for _, c := range t.conns[key] {
		if !c.broken && c.active < maxSessions {
			return true
		}
	}
	return false
}

func (t *Transport) release(key string, c *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer t.freed.Broadcast()
	c.active--
	switch {
	case c.active > 0:
	case c.broken:
		_ = c.client.Close()
	default:
		c.timer = time.AfterFunc(idle, func() { t.closeIdle(key, c) })
	}
}

func (t *Transport) closeIdle(key string, c *conn) {
	t.mu.Lock()
	idle := c.active == 0 && !c.broken
	t.mu.Unlock()
	if idle {
		t.drop(key, c)
	}
}

// drop takes a connection out of use; it is closed now when no session
// runs on it, else when the last one ends.
func (t *Transport) drop(key string, c *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c.broken {
		return
	}
	c.broken = true
	t.remove(key, c)
	if c.active == 0 {
		_ = c.client.Close()
	}
}

func (t *Transport) remove(key string, c *conn) {
	defer t.freed.Broadcast()
	list := t.conns[key]
	for i, x := range list {
		if x == c {
			t.conns[key] = append(list[:i:i], list[i+1:]...)
			return
		}
	}
}

// dial opens and logs in one ssh connection.
func dial(a *gitauth.SSHAuth) (*ssh.Client, error) {
	cfg, err := a.ClientConfig()
	if err != nil {
		return nil, err
	}
	nc, err := net.DialTimeout("tcp", a.Addr, cfg.Timeout)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", a.Alias, err)
	}
	cc, chans, reqs, err := ssh.NewClientConn(nc, a.Addr, cfg)
	if err != nil {
		nc.Close()
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, fmt.Errorf("logging in to %s as %s (keys tried: %s): %w", a.Alias, a.User, a.Tried(), err)
		}
		return nil, err
	}
	return ssh.NewClient(cc, chans, reqs), nil
}

// shellQuote quotes a path for the remote shell as git's sq_quote_buf
// does: inside single quotes, with ' and ! closed, escaped and reopened.
func shellQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\'' || c == '!' {
			b.WriteString(`'\`)
			b.WriteByte(c)
			b.WriteByte('\'')
			continue
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
	return b.String()
}
