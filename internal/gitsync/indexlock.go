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

// lockOwnerFile names, while a run holds index.lock, the lock file it
// created (device, inode, change time): a run that was killed leaves both,
// and the next one, finding the same file, knows the lock is its own
// leftover, not a running git's, and takes it over. x-platform's own
// checkout lock keeps two runs from holding it at once.
const lockOwnerFile = "x-platform-index-lock"

func lockIndex(dotGit string) (*indexLock, error) {
	p := filepath.Join(dotGit, "index.lock")
	owner := filepath.Join(dotGit, lockOwnerFile)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) && leftover(p, owner) {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("removing the index lock a stopped run left: %w", err)
		}
		f, err = os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	}
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("%w in %s (%s exists): wait for it to finish and sync again; if no git process is running, remove that file",
			ErrIndexLocked, filepath.Dir(dotGit), p)
	}
	if err != nil {
		return nil, fmt.Errorf("locking the index: %w", err)
	}
	if fi, err := f.Stat(); err == nil {
		if id := fileID(fi); id != "" {
			_ = os.WriteFile(owner, []byte(id), 0o644) // without it a leftover lock needs removing by hand
		}
	}
	return &indexLock{dotGit: dotGit, f: f}, nil
}

// leftover says whether the lock file at p is the one a stopped run of
// x-platform created, as its owner file records.
func leftover(p, owner string) bool {
	want, err := os.ReadFile(owner)
	if err != nil {
		return false
	}
	fi, err := os.Lstat(p)
	return err == nil && fileID(fi) != "" && fileID(fi) == string(want)
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
	}
	_ = os.Remove(filepath.Join(l.dotGit, lockOwnerFile))
	if err != nil {
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
	_ = os.Remove(filepath.Join(l.dotGit, lockOwnerFile))
	l.f = nil
}
