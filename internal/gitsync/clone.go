package gitsync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"

	"github.com/x-platform/x-platform/internal/redact"
)

// openOrClone opens req.Dir, or clones into it when it is missing or empty.
func openOrClone(ctx context.Context, req Request) (*git.Repository, bool, error) {
	return openOrCloneWith(ctx, req, func(repo *git.Repository) error {
		_, err := fetchAll(ctx, repo, req)
		return err
	})
}

// openOrCloneWith is openOrClone whose clone fetches with fill.
func openOrCloneWith(ctx context.Context, req Request, fill func(*git.Repository) error) (*git.Repository, bool, error) {
	if err := checkSparse(req.Dir); err != nil {
		return nil, false, err
	}
	repo, err := openRepo(req.Dir)
	if err == nil {
		if err := checkOrigin(repo, req.Dir, req.Remote); err != nil {
			return nil, false, err
		}
		return repo, false, nil
	}
	if !errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, false, fmt.Errorf("opening %s: %w", req.Dir, err)
	}
	entries, err := os.ReadDir(req.Dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, false, fmt.Errorf("reading %s: %w", req.Dir, err)
	case len(entries) > 0:
		return nil, false, fmt.Errorf("%s exists and is not a git checkout; move it away so it can be cloned", req.Dir)
	}
	if Offline(ctx) {
		return nil, false, fmt.Errorf("%s has no checkout to clone into: %w; run once without it (x-platform sync) to clone it", req.Dir, ErrOffline)
	}
	repo, err = clone(req, err == nil, fill)
	if err != nil {
		return nil, false, fmt.Errorf("cloning %s: %w", redact.URL(req.Remote), redact.Error(err))
	}
	return repo, true, nil
}

// clone initialises req.Dir and fetches into it with fill, without
// creating a local branch; on failure it leaves the folder as it found it.
func clone(req Request, existed bool, fill func(*git.Repository) error) (*git.Repository, error) {
	cleanup := func() { _ = os.RemoveAll(req.Dir) }
	if existed {
		cleanup = func() { _ = os.RemoveAll(filepath.Join(req.Dir, git.GitDirName)) }
	}
	repo, err := boundCache(git.PlainInit(req.Dir, false))
	if err != nil {
		return nil, err
	}
	_, err = repo.CreateRemote(&config.RemoteConfig{
		Name:  git.DefaultRemoteName,
		URLs:  []string{req.Remote},
		Fetch: []config.RefSpec{"+" + branchSpec},
	})
	if err == nil {
		err = fill(repo)
	}
	if err == nil {
		_, err = followTags(repo, refs{}, req.note)
	}
	if err != nil {
		cleanup()
		return nil, err
	}
	return repo, nil
}

func checkOrigin(repo *git.Repository, dir, remote string) error {
	cfg, err := repo.Config()
	if err != nil {
		return fmt.Errorf("reading config of %s: %w", dir, err)
	}
	origin, ok := cfg.Remotes[git.DefaultRemoteName]
	if !ok || len(origin.URLs) == 0 {
		return fmt.Errorf("%s has no origin remote; expected %s", dir, redact.URL(remote))
	}
	if !sameRemote(origin.URLs[0], remote) {
		return fmt.Errorf("%s is a checkout of %s, not %s; move it away or fix the manifest",
			dir, redact.URL(origin.URLs[0]), redact.URL(remote))
	}
	return nil
}
