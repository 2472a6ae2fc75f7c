package deploy

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/x-platform/x-platform/internal/manifest"
)

// RefLister lists the references a remote advertises by full name, as
// gitsync.LsRemote does.
type RefLister func(ctx context.Context, remote string) (map[string]string, error)

// BranchServices returns, in manifest order, the services whose remote
// has branch, each remote asked once; the services are copies whose
// reference is the branch (origin/<branch>), ready to be built from it.
func BranchServices(ctx context.Context, services []*manifest.Service, branch string, list RefLister) ([]*manifest.Service, error) {
	has := map[string]bool{}
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(8)
	seen := map[string]bool{}
	for _, s := range services {
		url := s.Git.URL
		if seen[url] {
			continue
		}
		seen[url] = true
		g.Go(func() error {
			refs, err := list(ctx, url)
			if err != nil {
				return fmt.Errorf("looking for branch %s of %s: %w", branch, s.Name, err)
			}
			_, ok := refs["refs/heads/"+branch]
			mu.Lock()
			has[url] = ok
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []*manifest.Service
	for _, s := range services {
		if has[s.Git.URL] {
			c := *s
			c.Git.Reference = "origin/" + branch
			out = append(out, &c)
		}
	}
	return out, nil
}
