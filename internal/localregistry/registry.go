package localregistry

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd" // registers "htpasswd"
	"github.com/distribution/distribution/v3/registry/handlers"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem" // registers "filesystem"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"   // registers "inmemory"
	"github.com/sirupsen/logrus"
)

// Options configures Start.
type Options struct {
	Addr    string // listen address; "" means 127.0.0.1 on a free port
	RootDir string // directory holding the stored images; "" keeps them in memory
	// TLS, when set, serves HTTPS with it instead of plain HTTP.
	TLS *tls.Config
	// HTPasswd names an htpasswd file (bcrypt entries) whose users alone may
	// push and pull; "" lets anyone in.
	HTPasswd string
}

// Server is a running registry.
type Server struct {
	addr      string
	http      *http.Server
	app       *handlers.App
	served    chan error
	closed    chan struct{}
	closeOnce sync.Once
	closeErr  error
}

var quietOnce sync.Once

// quietLogs silences distribution, which logs every request through logrus' standard
// logger, unless XP_DEBUG asks to see it.
func quietLogs() {
	quietOnce.Do(func() {
		if os.Getenv("XP_DEBUG") != "" {
			logrus.SetLevel(logrus.DebugLevel)
			return
		}
		logrus.SetOutput(io.Discard)
	})
}

// serverLog keeps failed TLS handshakes, which tests of refused
// certificates cause on purpose, off stderr unless XP_DEBUG is set.
func serverLog() *log.Logger {
	if os.Getenv("XP_DEBUG") != "" {
		return nil
	}
	return log.New(io.Discard, "", 0)
}

// Start serves a registry that allows deletes until Close is called or ctx is done.
func Start(ctx context.Context, opts Options) (*Server, error) {
	quietLogs()
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	app, err := newApp(ctx, config(opts))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		app.Shutdown()
		return nil, fmt.Errorf("listening on %s: %w", opts.Addr, err)
	}
	if opts.TLS != nil {
		ln = tls.NewListener(ln, opts.TLS)
	}
	s := &Server{
		addr:   ln.Addr().String(),
		http:   &http.Server{Handler: app, ReadHeaderTimeout: 30 * time.Second, ErrorLog: serverLog()},
		app:    app,
		served: make(chan error, 1),
		closed: make(chan struct{}),
	}
	go func() { s.served <- s.http.Serve(ln) }()
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.closed:
		}
	}()
	return s, nil
}

func config(opts Options) *configuration.Configuration {
	storage := configuration.Storage{
		"delete": configuration.Parameters{"enabled": true},
		// Uploads left behind by a test are dropped with the registry; no purger goroutine.
		"maintenance": configuration.Parameters{"uploadpurging": map[any]any{"enabled": false}},
	}
	if opts.RootDir == "" {
		storage["inmemory"] = configuration.Parameters{}
	} else {
		storage["filesystem"] = configuration.Parameters{"rootdirectory": opts.RootDir}
	}
	cfg := &configuration.Configuration{Storage: storage}
	if opts.HTPasswd != "" {
		cfg.Auth = configuration.Auth{"htpasswd": configuration.Parameters{"realm": "x-platform", "path": opts.HTPasswd}}
	}
	return cfg
}

// newApp turns the panics with which distribution reports a bad configuration into errors.
func newApp(ctx context.Context, cfg *configuration.Configuration) (app *handlers.App, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("configuring the registry: %v", r)
		}
	}()
	return handlers.NewApp(context.WithoutCancel(ctx), cfg), nil
}

// Addr returns the host:port the registry listens on, e.g. 127.0.0.1:41234.
func (s *Server) Addr() string { return s.addr }

// Close stops the registry, letting requests in flight finish for a few seconds. Calling it
// again returns the first result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		defer close(s.closed)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := s.http.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			err = s.http.Close()
		}
		if serr := <-s.served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, fmt.Errorf("serving: %w", serr))
		}
		s.closeErr = errors.Join(err, s.app.Shutdown())
	})
	return s.closeErr
}
