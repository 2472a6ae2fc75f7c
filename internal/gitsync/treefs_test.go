package gitsync

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tonistiigi/fsutil"
	"github.com/tonistiigi/fsutil/types"
	"golang.org/x/sync/errgroup"

	"github.com/x-platform/x-platform/internal/testenv"
)

// bigBlob is over streamThreshold, so it is read through the streaming path.
var bigBlob = strings.Repeat("0123456789abcdef", 1<<17)

// treeEntry is one path of a served or received tree: its mode and its file
// content or symlink target.
type treeEntry struct {
	path    string
	mode    os.FileMode
	content string
}

func (e treeEntry) String() string { return fmt.Sprintf("%s %v %.20q", e.path, e.mode, e.content) }

// committed is the tree treeRepo commits, in the order Walk must visit it:
// "src.txt" sorts before "src/" in git's order and after it in WalkDir's.
var committed = []treeEntry{
	{".gitignore", 0o644, "*.log\n"}, {"README.md", 0o644, "hello\n"}, {"big.bin", 0o644, bigBlob}, {"bin", os.ModeDir | 0o755, ""},
	{"bin/run.sh", 0o755, "#!/bin/sh\necho run\n"}, {"link", os.ModeSymlink | 0o777, "README.md"}, {"src", os.ModeDir | 0o755, ""},
	{"src/app", os.ModeDir | 0o755, ""}, {"src/app/main.go", 0o644, "package main\n"}, {"src.txt", 0o644, "notes\n"},
	{"vendor", os.ModeDir | 0o755, ""}, {"vendor/lib", os.ModeDir | 0o755, ""}, // a submodule
}

// treeRepo commits the tree of committed in a new checkout, packed or as
// loose objects, then leaves in its working tree everything a TreeFS must
// not serve. It returns the checkout and the commit.
func treeRepo(t *testing.T, packed bool) (string, string) {
	dir := t.TempDir()
	gitOut(t, dir, "init", "--quiet", "--initial-branch=master")
	for _, e := range committed {
		if e.mode.IsRegular() {
			put(t, dir, e.path, e.content)
			fatalIf(t, os.Chmod(filepath.Join(dir, e.path), e.mode))
		}
	}
	fatalIf(t, os.Symlink("README.md", filepath.Join(dir, "link")))
	gitOut(t, dir, "add", "--all")
	gitOut(t, dir, "update-index", "--add", "--cacheinfo", "160000,"+strings.Repeat("ab", 20)+",vendor/lib")
	gitOut(t, dir, "commit", "--quiet", "-m", "tree")
	if packed {
		gitOut(t, dir, "gc", "--quiet")
	}
	for p, content := range map[string]string{"debug.log": "ignored\n", "new.txt": "untracked\n",
		"README.md": "edited, not committed\n", "src/app/extra.go": "package main // untracked\n", ".git/notes.txt": "not in the tree\n"} {
		put(t, dir, p, content)
	}
	return dir, gitOut(t, dir, "rev-parse", "HEAD")
}

func fatalIf(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func mustTreeFS(tb testing.TB, dir, commit, sub string, opt TreeFSOptions) fsutil.FS {
	tb.Helper()
	fsys, err := TreeFS(dir, commit, sub, opt)
	fatalIf(tb, err)
	return fsys
}

// served walks target and returns what fsys serves, checking on the way that
// each entry's stat is what fsutil's sender needs.
func served(t testing.TB, fsys fsutil.FS, target string, owner TreeFSOptions) ([]treeEntry, map[string]*types.Stat) {
	t.Helper()
	var got []treeEntry
	stats := map[string]*types.Stat{}
	fatalIf(t, fsys.Walk(context.Background(), target, func(p string, d fs.DirEntry, err error) error {
		fi, infoErr := d.Info()
		fatalIf(t, errors.Join(err, infoErr))
		st, mode, e := fi.Sys().(*types.Stat), fi.Mode(), treeEntry{filepath.ToSlash(p), fi.Mode(), ""}
		switch {
		case mode&os.ModeSymlink != 0:
			e.content = st.Linkname
		case mode.IsRegular():
			r, err := fsys.Open(p)
			fatalIf(t, err)
			b, err := io.ReadAll(r)
			fatalIf(t, errors.Join(err, r.Close()))
			e.content = string(b)
		}
		// A regular file with a Linkname would be taken for a hard link.
		if st.Path != p || d.Name() != filepath.Base(p) || (!mode.IsDir() && st.Size != int64(len(e.content))) ||
			(mode.IsRegular() && st.Linkname != "") || st.Uid != uint32(owner.UID) || st.Gid != uint32(owner.GID) {
			t.Errorf("%s: stat %+v, entry %q", p, st, d.Name())
		}
		got, stats[e.path] = append(got, e), st
		return nil
	}))
	return got, stats
}

func TestTreeFSServesTheCommit(t *testing.T) {
	for _, packed := range []bool{false, true} {
		t.Run(fmt.Sprintf("packed=%v", packed), func(t *testing.T) {
			dir, sha := treeRepo(t, packed)
			owner := TreeFSOptions{UID: 1234, GID: 5678}
			fsys := mustTreeFS(t, dir, sha, "", owner)
			got, stats := served(t, fsys, "", owner)
			if !slices.Equal(got, committed) {
				t.Fatalf("served %v\nwant   %v", got, committed)
			}
			_, again := served(t, mustTreeFS(t, dir, sha, "", owner), "", owner)
			if again["README.md"].ModTime != stats["README.md"].ModTime || stats["README.md"].ModTime == stats["src.txt"].ModTime {
				t.Error("modification times are not a function of content")
			}
			for _, p := range []string{"new.txt", "debug.log", ".git/HEAD", "src/app/extra.go", "src"} {
				if _, err := fsys.Open(p); err == nil || p != "src" && !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("Open(%s) = %v, want not found, or not a file", p, err)
				}
			}
		})
	}
}

func TestTreeFSWalkAndErrors(t *testing.T) {
	dir, sha := treeRepo(t, false)
	root, sub := mustTreeFS(t, dir, sha, "", TreeFSOptions{}), mustTreeFS(t, dir, sha, "./src/", TreeFSOptions{})
	for _, tc := range []struct {
		fsys         fsutil.FS
		target, want string
		skip         map[string]error
	}{
		{sub, "", "app app/main.go", nil}, {sub, "/", "app app/main.go", nil}, {sub, ".", "app app/main.go", nil},
		{sub, "app", "app app/main.go", nil}, {sub, "/app/main.go", "app/main.go", nil},
		// Reported as fsutil's FS does; returning the error ends the walk quietly.
		{sub, "nope", "nope?", nil},
		// SkipDir on a folder skips its contents, on a file the rest of its folder.
		{root, "/", ".gitignore README.md big.bin bin link src src/app src/app/main.go src.txt",
			map[string]error{"bin": fs.SkipDir, "src.txt": fs.SkipDir}},
		{root, "/", ".gitignore README.md big.bin bin bin/run.sh link src", map[string]error{"src": fs.SkipAll}},
	} {
		var got []string
		fatalIf(t, tc.fsys.Walk(context.Background(), tc.target, func(p string, _ fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) {
				p += "?"
			}
			got = append(got, filepath.ToSlash(p))
			return cmp.Or(err, tc.skip[p])
		}))
		if strings.Join(got, " ") != tc.want {
			t.Errorf("Walk(%q) skipping at %v saw %q, want %q", tc.target, tc.skip, got, tc.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := root.Walk(ctx, "", func(string, fs.DirEntry, error) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Walk with a cancelled context = %v", err)
	}
	zero := strings.Repeat("0", 40)
	for _, tc := range []struct{ commit, sub, want string }{
		{zero, "", "reading tree of " + zero + " at .: reading commit: object not found"},
		{sha, "nope", "reading tree of " + sha + " at nope: no folder nope"},
		{sha, "README.md", "at README.md: no folder README.md"},
		{sha, "vendor/lib", "at vendor/lib: no folder vendor/lib"},
		{"HEAD", "", "reading tree of HEAD at .: not a full commit hash"},
	} {
		if _, err := TreeFS(dir, tc.commit, tc.sub, TreeFSOptions{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("TreeFS(%.7s, %q) = %v, want %q", tc.commit, tc.sub, err, tc.want)
		}
	}
}

// TestTreeFSSendReceive moves trees through fsutil's own sender and receiver
// into one folder, as BuildKit does between builds of a service.
func TestTreeFSSendReceive(t *testing.T) {
	dir, first := treeRepo(t, true)
	put(t, dir, "README.md", "HELLO\n") // same size, so only the content tells
	gitOut(t, dir, "add", "README.md")
	gitOut(t, dir, "commit", "--quiet", "-m", "shout")
	second := gitOut(t, dir, "rev-parse", "HEAD")
	owner := TreeFSOptions{UID: os.Getuid(), GID: os.Getgid()}
	filtered, err := fsutil.NewFilterFS(mustTreeFS(t, dir, second, "", owner), &fsutil.FilterOpt{ExcludePatterns: []string{"src", "*.bin"}})
	fatalIf(t, err)
	shouted := slices.Clone(committed)
	shouted[1].content = "HELLO\n"
	kept := slices.DeleteFunc(slices.Clone(shouted), func(e treeEntry) bool { return strings.HasPrefix(e.path+"/", "src/") })
	kept = slices.DeleteFunc(kept, func(e treeEntry) bool { return e.path == "big.bin" })
	dest := t.TempDir()
	for _, tc := range []struct {
		fsys fsutil.FS
		dest string
		want []treeEntry
	}{
		{mustTreeFS(t, dir, first, "", owner), dest, committed},
		{mustTreeFS(t, dir, second, "", owner), dest, shouted}, // over the first, as BuildKit does
		{filtered, t.TempDir(), kept},
	} {
		sendReceive(t, tc.fsys, tc.dest)
		onDisk, err := fsutil.NewFS(tc.dest)
		fatalIf(t, err)
		if got, _ := served(t, onDisk, "", owner); !slices.Equal(got, tc.want) {
			t.Errorf("received %v\nwant     %v", got, tc.want)
		}
	}
}

func sendReceive(t *testing.T, fsys fsutil.FS, dest string) {
	t.Helper()
	g, ctx := errgroup.WithContext(context.Background())
	a, b := make(chan []byte, 32), make(chan []byte, 32)
	g.Go(func() error {
		defer close(a) // the receiver finishes on the end of its stream
		return fsutil.Send(ctx, &pipeStream{ctx, b, a}, fsys, nil)
	})
	g.Go(func() error { return fsutil.Receive(ctx, &pipeStream{ctx, a, b}, dest, fsutil.ReceiveOpt{}) })
	fatalIf(t, g.Wait())
}

// pipeStream carries marshalled packets over channels, as a gRPC stream
// carries them between the client and the daemon.
type pipeStream struct {
	ctx context.Context
	in  <-chan []byte
	out chan<- []byte
}

func (s *pipeStream) Context() context.Context { return s.ctx }

func (s *pipeStream) SendMsg(m any) error {
	b, err := m.(*types.Packet).Marshal()
	if err == nil {
		select {
		case s.out <- b:
		case <-s.ctx.Done():
			err = s.ctx.Err()
		}
	}
	return err
}

func (s *pipeStream) RecvMsg(m any) error {
	select {
	case b, ok := <-s.in:
		if !ok {
			return io.EOF
		}
		return m.(*types.Packet).Unmarshal(b)
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
}

// BenchmarkTreeFS indexes a packed tree of 5,000 files in 50 folders, walks
// it and reads every file, as sending a service's sources does.
func BenchmarkTreeFS(b *testing.B) {
	dir := b.TempDir()
	testenv.RunGit(b, dir, "init", "--quiet", "--initial-branch=master")
	for i := range 5000 {
		p := filepath.Join(dir, fmt.Sprintf("pkg%02d", i%50), fmt.Sprintf("f%04d.go", i))
		fatalIf(b, os.MkdirAll(filepath.Dir(p), 0o755))
		fatalIf(b, os.WriteFile(p, []byte(strings.Repeat(fmt.Sprintf("// line of file %d\n", i), 100)), 0o644))
	}
	testenv.RunGit(b, dir, "add", "--all")
	testenv.RunGit(b, dir, "commit", "--quiet", "-m", "many")
	testenv.RunGit(b, dir, "gc", "--quiet")
	sha := testenv.RunGit(b, dir, "rev-parse", "HEAD")
	b.ReportAllocs()
	for b.Loop() {
		fsys, files := mustTreeFS(b, dir, sha, "", TreeFSOptions{}), 0
		fatalIf(b, fsys.Walk(context.Background(), "", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files++
				var r io.ReadCloser
				if r, err = fsys.Open(p); err == nil {
					_, err = io.Copy(io.Discard, r)
					err = errors.Join(err, r.Close())
				}
			}
			return err
		}))
		if files != 5000 {
			b.Fatalf("walked %d files", files)
		}
	}
}
