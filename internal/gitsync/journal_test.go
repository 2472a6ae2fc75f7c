package gitsync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/x-platform/x-platform/internal/testenv"
)

// stopAfter is a context that ends after its Err was asked n times: the
// checkout asks once before each file, so it stops a checkout after n-1
// files, as Ctrl-C would between two files.
type stopAfter struct {
	context.Context
	left atomic.Int64
}

func newStopAfter(n int) *stopAfter {
	c := &stopAfter{Context: context.Background()}
	c.left.Store(int64(n))
	return c
}

func (c *stopAfter) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func (c *stopAfter) Done() <-chan struct{} { return nil }

func manyFiles(n int, version string) map[string]string {
	files := map[string]string{}
	for i := range n {
		files[fmt.Sprintf("d%d/f%03d.txt", i%4, i)] = fmt.Sprintf("%s %d\n", version, i)
	}
	return files
}

// interruptedCheckout clones a remote of many files, pushes a commit that
// changes them all, and stops the Sync that moves to it half-way.
func interruptedCheckout(t *testing.T) (*testenv.Remote, Request, string) {
	r := testenv.NewRemote(t, manyFiles(40, "one"))
	req := Request{Remote: r.URL, Dir: checkoutDir(t), Reference: "master"}
	mustSync(t, req)
	next := r.Commit(t, "master", manyFiles(40, "two"), "second")
	_, err := Sync(newStopAfter(20), req)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted Sync: got %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(req.Dir, ".git", journalName)); err != nil {
		t.Errorf("no journal after an interrupted checkout: %v", err)
	}
	return r, req, next
}

// TestIntegrationSyncFinishesInterruptedCheckout: a checkout stopped between
// files (Ctrl-C) is finished by the next Sync, which must not take the
// interrupted run's own writes for local work.
func TestIntegrationSyncFinishesInterruptedCheckout(t *testing.T) {
	_, req, next := interruptedCheckout(t)
	res := mustSync(t, req)
	if res.Commit != next {
		t.Fatalf("Sync after interruption at %s, want %s", res.Commit, next)
	}
	assertAt(t, req.Dir, next)
	assertNoLeftovers(t, req.Dir)
	for name, want := range manyFiles(40, "two") {
		if got := readFile(t, req.Dir, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

// TestIntegrationSyncKeepsEditsAfterInterruption: a file the interrupted
// checkout listed but the user changed afterwards is local work, not the
// checkout's, and is neither overwritten nor lost.
func TestIntegrationSyncKeepsEditsAfterInterruption(t *testing.T) {
	_, req, _ := interruptedCheckout(t)
	put(t, req.Dir, "d3/f039.txt", "mine\n") // last in order: not yet written
	_, err := Sync(context.Background(), req)
	var lw *LocalWorkError
	if !errors.As(err, &lw) || strings.Join(lw.Changed, ",") != "d3/f039.txt" || len(lw.Untracked) != 0 {
		t.Fatalf("Sync after an edit: got %v, want local work in d3/f039.txt only", err)
	}
	if got := readFile(t, req.Dir, "d3/f039.txt"); got != "mine\n" {
		t.Fatalf("the edit was overwritten: %q", got)
	}
}

// TestIntegrationSyncRepairsUnreadableIndex: an index cut short (a run
// killed while writing it, before indexes were renamed into place) must
// not fail every later Sync; what differs from HEAD is still local work.
func TestIntegrationSyncRepairsUnreadableIndex(t *testing.T) {
	for _, edit := range []bool{false, true} {
		t.Run(fmt.Sprintf("edited=%v", edit), func(t *testing.T) {
			r := testenv.NewRemote(t, manyFiles(10, "one"))
			req := Request{Remote: r.URL, Dir: checkoutDir(t), Reference: "master"}
			mustSync(t, req)
			next := r.Commit(t, "master", map[string]string{"d0/f000.txt": "two\n"}, "second")
			idx := filepath.Join(req.Dir, ".git", "index")
			data, err := os.ReadFile(idx)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(idx, data[:len(data)/2], 0o644); err != nil {
				t.Fatal(err)
			}
			if edit {
				put(t, req.Dir, "d1/f001.txt", "mine\n")
			}
			_, err = Sync(context.Background(), req)
			if edit {
				var lw *LocalWorkError
				if !errors.As(err, &lw) || strings.Join(lw.Changed, ",") != "d1/f001.txt" {
					t.Fatalf("Sync with an edit and a broken index: got %v, want local work in d1/f001.txt", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Sync with a broken index: %v", err)
			}
			assertAt(t, req.Dir, next)
		})
	}
}

// TestIntegrationSyncStateHasNoFixedTempName: two Syncs writing the state
// of one checkout at once once raced on one temporary name.
func TestIntegrationSyncStateHasNoFixedTempName(t *testing.T) {
	dir := t.TempDir()
	errs := make(chan error, 2)
	for i := range 2 {
		go func() {
			var err error
			for range 200 {
				if err = (syncState{Reference: fmt.Sprint(i)}).write(dir); err != nil {
					break
				}
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	assertNoLeftovers(t, dir)
}

func assertNoLeftovers(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".tmp") || d.Name() == journalName {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// FuzzJournal checks that a journal file of any content decodes without
// panicking, and that what decodes encodes back to the same journal.
func FuzzJournal(f *testing.F) {
	j := &journal{id: "0123abcd", target: plumbing.NewHash("1111111111111111111111111111111111111111"),
		writes:  []journalFile{{name: "a b/\"c\"\n", new: plumbing.NewHash("2222222222222222222222222222222222222222"), mode: filemode.Executable}},
		removes: []journalFile{{name: "gone", old: plumbing.NewHash("3333333333333333333333333333333333333333"), mode: filemode.Regular}}}
	f.Add(j.encode())
	f.Add([]byte(journalHeader + "\nid x\ntarget 1\nend\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		j, err := decodeJournal(data)
		if err != nil {
			return
		}
		back, err := decodeJournal(j.encode())
		if err != nil {
			t.Fatalf("re-encoding %+v: %v", j, err)
		}
		if !reflect.DeepEqual(back, j) {
			t.Fatalf("round trip: %+v became %+v", j, back)
		}
	})
}
