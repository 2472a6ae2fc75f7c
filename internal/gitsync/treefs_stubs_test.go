package gitsync

import (
	"slices"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

const pointer = lfsPointer + "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n"

// TestIntegrationTreeFSListsUnfetched reads trees holding Git LFS pointers
// and a submodule: Unfetched names them by repository path, for the whole
// repository and for a folder whose .gitattributes is above it, and a
// tree without LFS attributes has no pointers, whatever its files say.
func TestIntegrationTreeFSListsUnfetched(t *testing.T) {
	r := testenv.NewRemote(t, map[string]string{
		".gitattributes":    "*.bin filter=lfs diff=lfs merge=lfs -text\n",
		"svc/model.bin":     pointer,
		"svc/small.bin":     "not a pointer\n",
		"svc/main.go":       "package main\n",
		"other/pointer.txt": pointer,
	})
	head := r.Gitlink(t, "master", "svc/vendor/lib", r.Head(t, "master"), "a submodule")
	dir := checkoutDir(t)
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master"})

	for _, tt := range []struct {
		sub        string
		lfs, gitln []string
	}{
		{"", []string{"other/pointer.txt", "svc/model.bin"}, []string{"svc/vendor/lib"}},
		{"svc", []string{"svc/model.bin"}, []string{"svc/vendor/lib"}},
		{"other", []string{"other/pointer.txt"}, nil},
	} {
		fsys, err := TreeFS(dir, head, tt.sub, TreeFSOptions{})
		if err != nil {
			t.Fatal(err)
		}
		u := fsys.(interface{ Unfetched() Unfetched }).Unfetched()
		if !slices.Equal(u.LFS, tt.lfs) || !slices.Equal(u.Submodules, tt.gitln) {
			t.Errorf("Unfetched of %q = %+v, want LFS %q submodules %q", tt.sub, u, tt.lfs, tt.gitln)
		}
		if msg := u.String(); !strings.Contains(msg, "built as their pointer text") || (tt.gitln != nil && !strings.Contains(msg, "svc/vendor/lib are built as empty folders")) {
			t.Errorf("Unfetched of %q says %q", tt.sub, msg)
		}
	}

	// Pointer text without an LFS attribute is a file like any other.
	plain := r.Remove(t, "master", []string{".gitattributes"}, "no LFS")
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "master"})
	fsys, err := TreeFS(dir, plain, "other", TreeFSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if u := fsys.(interface{ Unfetched() Unfetched }).Unfetched(); !u.Empty() {
		t.Errorf("Unfetched without LFS attributes = %+v, want nothing", u)
	}
}
