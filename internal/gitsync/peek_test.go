package gitsync

import (
	"context"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

func TestPeek(t *testing.T) {
	remote := testenv.NewRemote(t, map[string]string{"services/api/Dockerfile": "FROM a\n", "README.md": "r\n"})
	sha := remote.Commit(t, "feature/x", map[string]string{"services/api/Dockerfile": "FROM b\n"}, "change")
	remote.Tag(t, "v1", remote.Head(t, "master"))
	for _, url := range []string{remote.URL, remote.ServeHTTP(t)} {
		snap, err := Peek(context.Background(), url, "refs/heads/feature/x", "services/api", "services/api/Dockerfile", "missing")
		if err != nil {
			t.Fatal(err)
		}
		want := testenv.RunGit(t, remote.Dir, "rev-parse", sha+":services/api")
		if snap.Commit != sha || snap.Tree != want || string(snap.Files["services/api/Dockerfile"]) != "FROM b\n" {
			t.Fatalf("Peek(%s) = %+v, want commit %s tree %s", url, snap, sha, want)
		}
		if _, ok := snap.Files["missing"]; ok {
			t.Fatal("a missing file was read")
		}
	}
	tag, err := Peek(context.Background(), remote.URL, "refs/tags/v1", "")
	if err != nil || tag.Commit != remote.Head(t, "master") {
		t.Fatalf("Peek tag = %+v, %v", tag, err)
	}
	if _, err := Peek(context.Background(), remote.URL, "refs/heads/master", "nope"); err == nil {
		t.Fatal("Peek of a missing folder succeeded")
	}
}
