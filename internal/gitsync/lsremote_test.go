package gitsync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/testenv"
)

func TestCheckReference(t *testing.T) {
	const (
		master  = "1111111111111111111111111111111111111111"
		feature = "2222222222222222222222222222222222222222"
		light   = "3333333333333333333333333333333333333333"
		tagObj  = "4444444444444444444444444444444444444444"
		tagged  = "5555555555555555555555555555555555555555"
		both    = "6666666666666666666666666666666666666666"
		other   = "7777777777777777777777777777777777777777"
	)
	refs := map[string]string{
		"HEAD":                  master,
		"refs/heads/master":     master,
		"refs/heads/feature/x":  feature,
		"refs/heads/v2":         both,
		"refs/tags/v1.0.0":      light,
		"refs/tags/v1.1.0":      tagObj,
		"refs/tags/v1.1.0^{}":   tagged,
		"refs/tags/v2":          light,
		"refs/pull/1/head":      other,
		"refs/tags/release.two": tagged,
	}
	tests := []struct {
		reference string
		commit    string
		kind      RefKind
		err       error
		msg       string // part of the error message
	}{
		{reference: "origin/master", commit: master, kind: Branch},
		{reference: "master", commit: master, kind: Branch},
		{reference: "refs/heads/master", commit: master, kind: Branch},
		{reference: "origin/feature/x", commit: feature, kind: Branch},
		{reference: "v1.0.0", commit: light, kind: Tag},
		{reference: "refs/tags/v1.0.0", commit: light, kind: Tag},
		{reference: "v1.1.0", commit: tagged, kind: Tag},
		{reference: "v2", commit: both, kind: Branch},
		{reference: "refs/tags/v2", commit: light, kind: Tag},
		{reference: feature, commit: feature, kind: Commit},
		{reference: strings.ToUpper(master), commit: master, kind: Commit},
		{reference: tagged, commit: tagged, kind: Commit},
		{reference: tagObj, commit: tagObj, kind: Commit, err: ErrCommitNotAdvertised},
		{reference: other, commit: other, kind: Commit}, // a tip, if not a branch
		{reference: "8888888888888888888888888888888888888888", commit: "8888888888888888888888888888888888888888", kind: Commit, err: ErrCommitNotAdvertised},
		{reference: "origin/v1.0.0", err: ErrUnknownReference},
		{reference: "refs/heads/v1.0.0", err: ErrUnknownReference},
		{reference: "mastr", err: ErrUnknownReference, msg: "close names: master"},
		{reference: "v1.1", err: ErrUnknownReference, msg: "close names: v1.1.0"},
		{reference: "11111111", err: ErrUnknownReference, msg: "full 40-hex"},
		{reference: "HEAD", err: ErrUnknownReference},
	}
	for _, tt := range tests {
		t.Run(tt.reference, func(t *testing.T) {
			commit, kind, err := CheckReference(refs, tt.reference)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("error = %v, want %v", err, tt.err)
			}
			if err != nil && !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
			if commit != tt.commit || kind != tt.kind {
				t.Errorf("got %s %v, want %s %v", commit, kind, tt.commit, tt.kind)
			}
		})
	}
}

func TestIntegrationLsRemote(t *testing.T) {
	r := testenv.NewRemote(t, map[string]string{"a.txt": "a\n"})
	first := r.Head(t, "master")
	second := r.Commit(t, "master", map[string]string{"a.txt": "b\n"}, "second")
	feature := r.Commit(t, "feature/x", map[string]string{"f.txt": "f\n"}, "feature")
	r.Tag(t, "v1.0.0", first)
	r.AnnotatedTag(t, "v1.1.0", second, "release 1.1")
	tagObj := testenv.RunGit(t, r.Dir, "rev-parse", "refs/tags/v1.1.0")

	for name, url := range map[string]string{"file": r.URL, "http": r.ServeHTTP(t)} {
		t.Run(name, func(t *testing.T) {
			refs, err := LsRemote(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"refs/heads/master":    second,
				"refs/heads/feature/x": feature,
				"refs/tags/v1.0.0":     first,
				"refs/tags/v1.1.0":     tagObj,
				"refs/tags/v1.1.0^{}":  second,
			}
			for ref, h := range want {
				if refs[ref] != h {
					t.Errorf("%s = %q, want %s", ref, refs[ref], h)
				}
			}
			for _, tt := range []struct {
				reference, commit string
				kind              RefKind
				err               error
			}{
				{"origin/master", second, Branch, nil},
				{"feature/x", feature, Branch, nil},
				{"v1.0.0", first, Tag, nil},
				{"v1.1.0", second, Tag, nil},
				{second, second, Commit, nil},
				{first, first, Commit, nil}, // the tip of tag v1.0.0
				{tagObj, tagObj, Commit, ErrCommitNotAdvertised},
				{"v9", "", 0, ErrUnknownReference},
			} {
				commit, kind, err := CheckReference(refs, tt.reference)
				if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) || commit != tt.commit || kind != tt.kind {
					t.Errorf("CheckReference(%q) = %s, %v, %v; want %s, %v, %v", tt.reference, commit, kind, err, tt.commit, tt.kind, tt.err)
				}
			}
		})
	}
}

func TestIntegrationLsRemoteCommitBehindTip(t *testing.T) {
	r := testenv.NewRemote(t, nil)
	first := r.Head(t, "master")
	r.Commit(t, "master", map[string]string{"b.txt": "b\n"}, "second")
	refs, err := LsRemote(context.Background(), r.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := CheckReference(refs, first); !errors.Is(err, ErrCommitNotAdvertised) {
		t.Fatalf("CheckReference(first commit) error = %v, want ErrCommitNotAdvertised", err)
	}
	// A checkout that fetched the branch proves the commit is in the remote.
	dir := checkoutDir(t)
	mustSync(t, Request{Remote: r.URL, Dir: dir, Reference: "origin/master"})
	if got, err := Resolve(dir, first); err != nil || got != first {
		t.Errorf("Resolve(%s) = %q, %v; want it found", first, got, err)
	}
}

func TestIntegrationLsRemoteErrors(t *testing.T) {
	empty := testenv.NewRemote(t, nil)
	testenv.RunGit(t, empty.Dir, "update-ref", "-d", "refs/heads/master")
	refs, err := LsRemote(context.Background(), empty.URL)
	if err != nil || len(refs) != 0 {
		t.Errorf("LsRemote(empty) = %v, %v; want no refs and no error", refs, err)
	}

	missing := "file://" + t.TempDir() + "/none.git"
	if _, err := LsRemote(context.Background(), missing); err == nil || !strings.Contains(err.Error(), "listing references of") {
		t.Errorf("LsRemote(missing) error = %v, want one naming the remote", err)
	}

	r := testenv.NewRemote(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LsRemote(ctx, r.ServeHTTP(t)); err == nil {
		t.Error("LsRemote with a cancelled context succeeded")
	}
}

// TestLsRemoteWithoutGitBinary lists a local remote in a child process whose
// PATH has no git, as inside the orchestrator's image.
func TestLsRemoteWithoutGitBinary(t *testing.T) {
	if remote := os.Getenv("XP_LSREMOTE_NOGIT_REMOTE"); remote != "" {
		refs, err := LsRemote(context.Background(), remote)
		if err != nil {
			fmt.Println("ls-remote failed:", err)
			os.Exit(1)
		}
		fmt.Println(refs["refs/heads/master"])
		os.Exit(0)
	}
	r := testenv.NewRemote(t, nil)
	cmd := exec.Command(os.Args[0], "-test.run=^TestLsRemoteWithoutGitBinary$")
	cmd.Env = append(os.Environ(), "PATH=/nonexistent", "XP_LSREMOTE_NOGIT_REMOTE="+r.URL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ls-remote without git: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), r.Head(t, "master"); got != want {
		t.Fatalf("child printed %q, want %s", got, want)
	}
}
