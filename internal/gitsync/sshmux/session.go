package sshmux

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing/format/pktline"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/utils/ioutil"
	"golang.org/x/crypto/ssh"
)

// session is one git-upload-pack run in a channel of a shared connection.
// It follows go-git's own client (plumbing/transport/internal/common),
// which cannot be given a connection: reference discovery, then at most
// one upload-pack request.
type session struct {
	ssh     *ssh.Session
	stdin   io.WriteCloser
	stdout  io.Reader
	errLine chan string // the first line the server wrote to stderr

	advRefs  *packp.AdvRefs
	packRun  bool
	finished bool

	closeOnce sync.Once
	closeErr  error
	release   func()
}

var _ transport.UploadPackSession = (*session)(nil)

// start runs cmd in a new session of client; release is called once the
// session is closed.
func start(client *ssh.Client, cmd string, release func()) (*session, error) {
	ss, err := client.NewSession()
	if err != nil {
		return nil, err
	}
	s := &session{ssh: ss, release: release}
	var stderr io.Reader
	if s.stdin, err = ss.StdinPipe(); err == nil {
		if s.stdout, err = ss.StdoutPipe(); err == nil {
			stderr, err = ss.StderrPipe()
		}
	}
	if err == nil {
		err = ss.Start(cmd)
	}
	if err != nil {
		ss.Close()
		return nil, err
	}
	s.errLine = firstErrorLine(stderr)
	return s, nil
}

// progressLine is a stderr line that carries no error.
var progressLine = regexp.MustCompile("^remote:( =*){0,1}$")

func firstErrorLine(r io.Reader) chan string {
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if !progressLine.MatchString(sc.Text()) {
				line <- sc.Text()
				break
			}
		}
		close(line)
		_, _ = io.Copy(io.Discard, r)
	}()
	return line
}

// AdvertisedReferences implements transport.Session.
func (s *session) AdvertisedReferences() (*packp.AdvRefs, error) {
	return s.AdvertisedReferencesContext(context.Background())
}

// AdvertisedReferencesContext implements transport.Session.
func (s *session) AdvertisedReferencesContext(ctx context.Context) (*packp.AdvRefs, error) {
	if s.advRefs != nil {
		return s.advRefs, nil
	}
	ar := packp.NewAdvRefs()
	if err := ar.Decode(s.reader(ctx)); err != nil {
		if err := s.decodeError(err); err != nil {
			return nil, err
		}
	}
	if ar.IsEmpty() {
		return nil, transport.ErrEmptyRemoteRepository
	}
	transport.FilterUnsupportedCapabilities(ar.Capabilities)
	s.advRefs = ar
	return ar, nil
}

// decodeError turns what the server said instead of references into the
// errors go-git's callers know.
func (s *session) decodeError(err error) error {
	var errLine *pktline.ErrorLine
	var unexpected *packp.ErrUnexpectedData
	switch {
	case errors.As(err, &errLine):
		if notFound(errLine.Text) {
			return transport.ErrRepositoryNotFound
		}
		return errLine
	case errors.Is(err, packp.ErrEmptyInput):
		// A missing repository: nothing on stdout, the reason on stderr.
		s.finished = true
		select {
		case line := <-s.errLine:
			switch {
			case line == "":
				return io.ErrUnexpectedEOF
			case notFound(line):
				return transport.ErrRepositoryNotFound
			}
			return fmt.Errorf("remote: %s", line)
		case <-time.After(10 * time.Second):
			return io.ErrUnexpectedEOF
		}
	case errors.Is(err, packp.ErrEmptyAdvRefs):
		if err := s.finish(); err != nil {
			return err
		}
		return transport.ErrEmptyRemoteRepository
	case errors.As(err, &unexpected) && notFound(string(unexpected.Data)):
		return transport.ErrRepositoryNotFound
	}
	return err
}

func notFound(msg string) bool {
	for _, s := range []string{
		"Repository not found.", "repository does not exist.", "does not appear to be a git repository",
		"no such repository", "access denied", "Repository does not exist or you do not have access",
		"The project you were looking for could not be found",
	} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// UploadPack implements transport.UploadPackSession.
func (s *session) UploadPack(ctx context.Context, req *packp.UploadPackRequest) (*packp.UploadPackResponse, error) {
	if req.IsEmpty() {
		if err := s.finish(); err != nil {
			return nil, err
		}
		return nil, transport.ErrEmptyUploadPackRequest
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if _, err := s.AdvertisedReferencesContext(ctx); err != nil {
		return nil, err
	}
	s.packRun = true
	w := ioutil.NewWriteCloserOnError(ioutil.NewContextWriteCloser(ctx, s.stdin), s.onError)
	if err := req.UploadRequest.Encode(w); err != nil {
		return nil, fmt.Errorf("sending upload-req message: %w", err)
	}
	if err := req.UploadHaves.Encode(w, true); err != nil {
		return nil, fmt.Errorf("sending haves message: %w", err)
	}
	if err := pktline.NewEncoder(w).Encodef("done\n"); err != nil {
		return nil, fmt.Errorf("sending done message: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("closing input: %w", err)
	}
	r, err := ioutil.NonEmptyReader(s.reader(ctx))
	if errors.Is(err, ioutil.ErrEmptyReader) {
		return nil, transport.ErrEmptyUploadPackRequest
	}
	if err != nil {
		return nil, err
	}
	res := packp.NewUploadPackResponse(req)
	if err := res.Decode(ioutil.NewReadCloser(r, s)); err != nil {
		return nil, fmt.Errorf("decoding upload-pack response: %w", err)
	}
	return res, nil
}

func (s *session) reader(ctx context.Context) io.Reader {
	return ioutil.NewReaderOnError(ioutil.NewContextReader(ctx, s.stdout), s.onError)
}

func (s *session) onError(error) { _ = s.Close() }

// finish ends a session that ran no upload-pack with a flush packet, so
// the server's git-upload-pack exits cleanly.
func (s *session) finish() error {
	if s.finished {
		return nil
	}
	s.finished = true
	if !s.packRun {
		_, err := s.stdin.Write(pktline.FlushPkt)
		return err
	}
	return nil
}

// Close implements transport.Session: it ends the session, never the
// shared connection.
func (s *session) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = s.finish()
		_ = s.stdin.Close()
		if err := s.ssh.Close(); err != nil && !errors.Is(err, io.EOF) && s.closeErr == nil {
			s.closeErr = err
		}
		s.release()
	})
	return s.closeErr
}
