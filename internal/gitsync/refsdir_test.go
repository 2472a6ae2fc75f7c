package gitsync

import (
	"maps"
	"path/filepath"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/x-platform/x-platform/internal/testenv"
)

// TestReadRefsDirMatchesGoGit checks the direct reader against go-git's own
// iteration on a repository with packed refs, loose refs that override
// packed ones, annotated tags, a symbolic ref and a detached HEAD.
func TestReadRefsDirMatchesGoGit(t *testing.T) {
	r := testenv.NewRemote(t, map[string]string{"a.txt": "a"})
	first := r.Head(t, "master")
	r.Tag(t, "v1", first)
	r.AnnotatedTag(t, "v1-notes", first, "notes")
	second := r.Commit(t, "feature/x", map[string]string{"b.txt": "b"}, "b")
	testenv.RunGit(t, r.Dir, "pack-refs", "--all")
	// Loose refs written after packing win over their packed entries.
	third := r.Commit(t, "master", map[string]string{"c.txt": "c"}, "c")
	testenv.RunGit(t, r.Dir, "symbolic-ref", "refs/heads/alias", "refs/heads/master")
	testenv.RunGit(t, r.Dir, "update-ref", "--no-deref", "HEAD", second)

	for _, dir := range []string{r.Dir, filepath.Join(cloneOf(t, r), ".git")} {
		repo, err := git.PlainOpen(dir)
		if err != nil {
			t.Fatal(err)
		}
		iter, err := repo.Storer.IterReferences()
		if err != nil {
			t.Fatal(err)
		}
		want := refs{}
		_ = iter.ForEach(func(ref *plumbing.Reference) error {
			if ref.Type() == plumbing.HashReference {
				want[ref.Name()] = ref.Hash()
			}
			return nil
		})
		if d, ok := osGitDir(repo.Storer); !ok || d != dir {
			t.Errorf("osGitDir = %q, %v; want %q: refs are read through go-git", d, ok, dir)
		}
		got, err := readRefs(repo.Storer)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s:\n got  %v\n want %v", dir, got, want)
		}
		if dir == r.Dir && got["refs/heads/master"].String() != third {
			t.Errorf("master = %s, want the loose ref %s", got["refs/heads/master"], third)
		}
	}
}

// cloneOf makes a non-bare clone of r, whose refs git writes packed.
func cloneOf(t *testing.T, r *testenv.Remote) string {
	dir := filepath.Join(t.TempDir(), "clone")
	testenv.RunGit(t, filepath.Dir(dir), "clone", "--quiet", r.URL, dir)
	return dir
}
