package cleanup

import (
	"context"
	"fmt"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"golang.org/x/sync/errgroup"

	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/retention"
)

// maxBranchWalk bounds how far back a branch's history is read for its
// last images: commits without an image (never built) are passed over.
const maxBranchWalk = 200

// Fetcher brings a checkout's remote-tracking refs up to date, as builds
// do (gitsync.Client.Fetch); it reports false when there is no checkout.
type Fetcher func(ctx context.Context, req gitsync.Request) (bool, error)

// Remote-tracking refs as internal/gitsync keeps them.
const (
	remoteBranches = "refs/remotes/origin/"
	remoteTags     = "refs/x-platform/tags/"
)

// readSource reads the remote's branches and tags from the checkout in dir,
// as its last fetch saw them: the branches whose head was committed after
// since, with up to maxBranchWalk commits of first-parent history each.
func readSource(dir string, since time.Time) (retention.Source, error) {
	var src retention.Source
	repo, err := git.PlainOpen(dir)
	if err != nil {
		return src, fmt.Errorf("opening %s: %w", dir, err)
	}
	refs, err := repo.References()
	if err != nil {
		return src, fmt.Errorf("reading the refs of %s: %w", dir, err)
	}
	err = refs.ForEach(func(r *plumbing.Reference) error {
		n := r.Name().String()
		if r.Type() != plumbing.HashReference {
			return nil
		}
		switch {
		case strings.HasPrefix(n, remoteTags):
			name := strings.TrimPrefix(n, remoteTags)
			c, err := peelCommit(repo, r.Hash())
			if err != nil {
				return nil // a tag of a tree or blob has no image
			}
			src.Tags = append(src.Tags, retention.GitTag{Name: name, Commit: c.Hash.String(), ImageTag: image.BranchTag(name)})
		case strings.HasPrefix(n, remoteBranches) && n != remoteBranches+"HEAD":
			name := strings.TrimPrefix(n, remoteBranches)
			c, err := repo.CommitObject(r.Hash())
			if err != nil {
				return fmt.Errorf("reading the head of branch %s: %w", name, err)
			}
			b := retention.Branch{Name: name, ImageTag: image.BranchTag(name), Head: c.Committer.When}
			if !b.Head.Before(since) {
				for c != nil && len(b.Commits) < maxBranchWalk {
					b.Commits = append(b.Commits, c.Hash.String())
					if c.NumParents() == 0 {
						break
					}
					if c, err = c.Parent(0); err != nil {
						break // a shallow clone ends here
					}
				}
			}
			src.Branches = append(src.Branches, b)
		}
		return nil
	})
	return src, err
}

// sources fetches each selected service's checkout and reads its remote's
// refs; a service whose refs cannot be known is refused.
func (o *Options) sources(ctx context.Context, since time.Time, refuse func(service, why string)) []retention.Source {
	type checkout struct {
		src  retention.Source
		err  string
		done bool
	}
	byDir := map[string]*checkout{}
	var order []string
	for _, s := range o.Services {
		if byDir[s.AbsDir] == nil {
			byDir[s.AbsDir] = &checkout{}
			order = append(order, s.AbsDir)
		}
	}
	g := errgroup.Group{}
	// Fetches are heavier than registry look-ups; a few at a time.
	g.SetLimit(4)
	for _, dir := range order {
		var svc *manifest.Service
		for _, s := range o.Services {
			if s.AbsDir == dir {
				svc = s
				break
			}
		}
		co := byDir[dir]
		g.Go(func() error {
			o.log("fetching %s into %s", svc.Git.Remote, svc.Dir)
			ok, err := o.Fetch(ctx, gitsync.Request{Remote: svc.Git.URL, Dir: dir, Reference: svc.Git.Reference, Depth: svc.Git.Depth})
			switch {
			case err != nil:
				co.err = fmt.Sprintf("fetching its remote failed (%v): its branches and tags are not known", err)
			case !ok:
				co.err = fmt.Sprintf("there is no checkout at %s to read its branches and tags from; run x-platform sync first", svc.Dir)
			default:
				co.src, err = readSource(dir, since)
				if err != nil {
					co.err = err.Error()
				}
			}
			return nil
		})
	}
	_ = g.Wait()
	var out []retention.Source
	for _, s := range o.Services {
		co := byDir[s.AbsDir]
		if co.err != "" {
			refuse(s.Name, co.err)
			continue
		}
		src := co.src
		src.Service = s.Name
		out = append(out, src)
	}
	return out
}
