package flock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Mode is how a lock is held.
type Mode int

// Shared holders exclude exclusive ones; an exclusive holder excludes all.
const (
	Shared Mode = iota + 1
	Exclusive
)

// Options say what to do when the lock is held and who is asking.
type Options struct {
	// Wait waits for the lock instead of failing at once.
	Wait bool
	// Timeout bounds Wait; 0 waits until the context ends.
	Timeout time.Duration
	// Waiting, when set, is called once before waiting, with the holder
	// as far as its record can be read.
	Waiting func(e *HeldError)
	// Self is written into the lock file once the lock is taken.
	Self Holder
}

// HeldError says that another process holds the lock.
type HeldError struct {
	Path   string
	Holder *Holder       // nil when its record could not be read
	Waited time.Duration // how long it was waited for; 0 without Wait
}

func (e *HeldError) Error() string {
	who := ""
	if h := e.Holder; h != nil {
		who = fmt.Sprintf(" (pid %d on host %s since %s)", h.PID, h.Host, h.Started.Local().Format(time.DateTime))
		if h.Command != "" {
			who = fmt.Sprintf(" (pid %d on host %s since %s: %s)", h.PID, h.Host, h.Started.Local().Format(time.DateTime), h.Command)
		}
	}
	if e.Waited > 0 {
		return fmt.Sprintf("another x-platform run still holds %s%s after waiting %s: wait for it, or pass a longer --wait", e.Path, who, e.Waited.Round(time.Second))
	}
	return fmt.Sprintf("another x-platform run holds %s%s: wait for it, or pass --wait", e.Path, who)
}

// Lock is a held lock.
type Lock struct {
	f *os.File
}

// pollEvery is how often a waiting Acquire tries again: flock(2) cannot be
// interrupted by a context, and a blocked call would ignore Ctrl-C.
const pollEvery = 100 * time.Millisecond

// Acquire takes the lock on the file at path, creating it and its folder.
// The lock is released by Release or when the process ends, however it
// ends: the kernel drops it with the file descriptor.
func Acquire(ctx context.Context, path string, mode Mode, o Options) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating lock folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	start := time.Now()
	for first := true; ; first = false {
		err := tryLock(f, mode)
		if err == nil {
			break
		}
		if !errors.Is(err, errBusy) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		held := &HeldError{Path: path, Holder: readHolder(f)}
		if !o.Wait {
			f.Close()
			return nil, held
		}
		if o.Timeout > 0 && time.Since(start) >= o.Timeout {
			f.Close()
			held.Waited = o.Timeout
			return nil, held
		}
		if first && o.Waiting != nil {
			o.Waiting(held)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for %s: %w", path, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
	if err := writeHolder(f, o.Self); err != nil {
		f.Close()
		return nil, fmt.Errorf("recording the holder of %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// Release drops the lock. The record stays: it is only read while the lock
// is held, by whoever cannot take it.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

func readHolder(f *os.File) *Holder {
	data, err := io.ReadAll(io.NewSectionReader(f, 0, 4096))
	if err != nil {
		return nil
	}
	h, err := Decode(data)
	if err != nil {
		return nil
	}
	return &h
}

// writeHolder replaces the record with one write, so a reader sees the
// whole old or new record, or a short one it refuses.
func writeHolder(f *os.File, h Holder) error {
	rec := h.Encode()
	if _, err := f.WriteAt(rec, 0); err != nil {
		return err
	}
	return f.Truncate(int64(len(rec)))
}
