package flock

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAcquireConflicts(t *testing.T) {
	tests := []struct {
		first, second Mode
		conflict      bool
	}{
		{Exclusive, Exclusive, true},
		{Exclusive, Shared, true},
		{Shared, Exclusive, true},
		{Shared, Shared, false},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "sub", "lock")
		holder := Holder{PID: 4242, Host: "builder-1", Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Command: "x-platform sync"}
		l, err := Acquire(t.Context(), path, tt.first, Options{Self: holder})
		if err != nil {
			t.Fatal(err)
		}
		l2, err := Acquire(t.Context(), path, tt.second, Options{Self: Self("second")})
		if !tt.conflict {
			if err != nil {
				t.Fatalf("%v then %v: %v", tt.first, tt.second, err)
			}
			l2.Release()
			l.Release()
			continue
		}
		var held *HeldError
		if !errors.As(err, &held) {
			t.Fatalf("%v then %v: got %v, want a HeldError", tt.first, tt.second, err)
		}
		if held.Holder == nil || *held.Holder != holder {
			t.Fatalf("holder = %+v, want %+v", held.Holder, holder)
		}
		msg := err.Error()
		for _, want := range []string{"another x-platform run holds " + path, "pid 4242 on host builder-1", "x-platform sync", "pass --wait"} {
			if !strings.Contains(msg, want) {
				t.Errorf("message %q lacks %q", msg, want)
			}
		}
		l.Release()
		l3, err := Acquire(t.Context(), path, tt.second, Options{})
		if err != nil {
			t.Fatalf("after release: %v", err)
		}
		l3.Release()
	}
}

func TestAcquireWaitsForRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	l, err := Acquire(t.Context(), path, Exclusive, Options{Self: Self("first")})
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan *HeldError, 1)
	done := make(chan error, 1)
	go func() {
		l2, err := Acquire(t.Context(), path, Exclusive, Options{Wait: true, Waiting: func(e *HeldError) { waiting <- e }})
		if err == nil {
			l2.Release()
		}
		done <- err
	}()
	e := <-waiting
	if e.Holder == nil || e.Holder.Command != "first" {
		t.Fatalf("waiting for %+v, want the first holder", e.Holder)
	}
	select {
	case err := <-done:
		t.Fatalf("took a held lock: %v", err)
	default:
	}
	l.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestAcquireWaitEnds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	l, err := Acquire(t.Context(), path, Exclusive, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()

	ctx, cancel := context.WithCancel(t.Context())
	_, err = Acquire(ctx, path, Shared, Options{Wait: true, Waiting: func(*HeldError) { cancel() }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: got %v, want context.Canceled", err)
	}

	_, err = Acquire(t.Context(), path, Shared, Options{Wait: true, Timeout: 300 * time.Millisecond})
	var held *HeldError
	if !errors.As(err, &held) || held.Waited != 300*time.Millisecond || !strings.Contains(err.Error(), "still holds") {
		t.Fatalf("timed-out wait: got %v", err)
	}
}

func TestHeldErrorUnreadableRecord(t *testing.T) {
	e := &HeldError{Path: "/p/lock"}
	if got, want := e.Error(), "another x-platform run holds /p/lock: wait for it, or pass --wait"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
