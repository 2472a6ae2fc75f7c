package gitsync

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrIndexLocked is returned when another git process holds the index.
var ErrIndexLocked = errors.New("another git process is running")

// indexLock is git's index.lock, held while a checkout rewrites files and
// the index: git refuses to start while it exists, and a git command
// that holds it makes Sync refuse instead of writing beside it. The new
// index is written into the lock file and renamed over the index, as git
// does.
type indexLock struct {
	dotGit string
	f      *os.File
}

func lockIndex(dotGit string) (*indexLock, error) {
	p := filepath.Join(dotGit, "index.lock")
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("%w in %s (%s exists): wait for it to finish and sync again; if no git process is running, remove that file",
			ErrIndexLocked, filepath.Dir(dotGit), p)
	}
	if err != nil {
		return nil, fmt.Errorf("locking the index: %w", err)
	}
	return &indexLock{dotGit: dotGit, f: f}, nil
}

// commit makes data the index and releases the lock.
func (l *indexLock) commit(data []byte) error {
	if l.f == nil {
		return errors.New("the index lock was released")
	}
	f := l.f
	l.f = nil
	err := finish(f, func() error { _, err := f.Write(data); return err })
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(l.dotGit, "index"))
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	return syncDir(l.dotGit)
}

// release drops a lock that was not committed; it is safe after commit.
func (l *indexLock) release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Close()
	_ = os.Remove(l.f.Name())
	l.f = nil
}
