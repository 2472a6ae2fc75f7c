package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/flock"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/plan"
	"github.com/x-platform/x-platform/internal/report"
)

func previewFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "preview", Usage: "deploy a preview of `BRANCH` into a namespace of its own, made from the manifest's preview template: services whose repository has the branch are built from it, the others run their pinned references"},
		&cli.DurationFlag{Name: "ttl", Usage: "how long the preview lives after this deploy, e.g. 72h (default: the template's ttl); preview gc deletes it after"},
	}
}

// previewRefused are deploy flags a preview does not take, and why.
var previewRefused = []struct{ flag, why string }{
	{"env", "the preview's environment is its own, made from the preview template"},
	{"namespace", "the preview's namespace comes from the template's pattern"},
	{"services", "a preview runs every service"},
	{"local", "a preview runs committed builds of the branch and the pins"},
}

// deployPreview is deploy --preview BRANCH: the services whose remotes
// have the branch are built from it through the pipeline, as build does,
// and the preview is deployed through the same path as any environment.
func deployPreview(c *cli.Context) error {
	if c.NArg() > 0 {
		return usageError{fmt.Errorf("deploy takes no arguments (got %q)", c.Args().Slice())}
	}
	if !c.IsSet("preview") {
		return usageError{errors.New("--ttl goes with --preview BRANCH")}
	}
	for _, r := range previewRefused {
		if c.IsSet(r.flag) {
			return usageError{fmt.Errorf("--preview takes no --%s: %s", r.flag, r.why)}
		}
	}
	if c.IsSet("ttl") && c.Duration("ttl") <= 0 {
		return usageError{errors.New("--ttl must be a positive duration such as 72h")}
	}
	m, err := loadManifest(c)
	if err != nil {
		return err
	}
	e, p, err := deploy.OpenPreview(m, deploy.Target{Kubeconfig: c.String("kubeconfig"), Context: c.String("context")}, c.String("preview"), c.Duration("ttl"))
	if err != nil {
		return deployError(err)
	}
	if err := wireEnv(c, m, e, "deploy"); err != nil {
		return err
	}
	// Refusals come before builds that may take minutes.
	if err := e.CheckPreview(c.Context, p); err != nil {
		return deployFailed(c, e, deployError(err))
	}
	branched, err := buildBranch(c, m, p.Branch)
	if err != nil {
		return deployFailed(c, e, err)
	}
	out, err := e.DeployPreview(c.Context, p, branched)
	if out == nil {
		return deployFailed(c, e, deployError(err))
	}
	rememberPreviews(m, nil, []string{p.Name}, nil)
	return writeDeploy(c, "deploy", out, err)
}

// buildBranch builds, through the pipeline as build does, the services
// whose remotes have branch, from the branch's head; the services they
// depend on are built (or reused) at their own references. It returns the
// versions of the branch's services.
func buildBranch(c *cli.Context, m *manifest.Manifest, branch string) ([]deploy.Version, error) {
	prog := progress(c)
	git, err := gitClient() // listings retry and time out as fetches do
	if err != nil {
		return nil, err
	}
	list := func(ctx context.Context, remote string) (map[string]string, error) {
		return listBranches(ctx, c, m, git, remote)
	}
	onBranch, err := deploy.BranchServices(c.Context, m.Services, branch, list)
	if err != nil {
		return nil, err
	}
	if len(onBranch) == 0 {
		prog.Stepf("", "no service's repository has branch %s: every service runs its pinned reference", branch)
		return nil, nil
	}
	byName := map[string]*manifest.Service{}
	var selected []*manifest.Service
	for _, s := range onBranch {
		byName[s.Name] = s
		selected = append(selected, m.Service(s.Name))
	}
	all := plan.WithDeps(m, selected)
	for i, s := range all {
		if b, ok := byName[s.Name]; ok {
			all[i] = b
		}
	}
	p, closeFn, err := newPipeline(c, m)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	if err := p.CheckBuilders(all); err != nil {
		return nil, err
	}
	if err := withSigner(p); err != nil {
		return nil, err
	}
	forPreview(p, branch, onBranch)
	unlock, err := lockFolders(c, m, flock.Shared, all)
	if err != nil {
		return nil, err
	}
	defer unlock()
	prog.Stepf("", "building %s from branch %s", strings.Join(branchNames(onBranch), ", "), branch)
	results := p.Build(c.Context, all)
	var failed []error
	var out []deploy.Version
	for _, r := range results {
		s, ok := byName[r.Name]
		switch {
		case r.Action == report.ActionFailed || r.Action == report.ActionSkipped:
			failed = append(failed, fmt.Errorf("%s: %s", r.Name, r.Error))
		case ok:
			v, err := branchVersion(c.Context, s, r, p.Registry)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
	if err := c.Context.Err(); err != nil {
		return nil, fmt.Errorf("building from branch %s: %w", branch, err)
	}
	if len(failed) > 0 {
		return nil, fmt.Errorf("building from branch %s failed, nothing was deployed: %w", branch, errors.Join(failed...))
	}
	return out, nil
}

// branchVersion is the version of a service the pipeline built (or
// reused) from the branch.
func branchVersion(ctx context.Context, s *manifest.Service, r report.ServiceResult, reg interface {
	Digest(ctx context.Context, ref image.Ref) (string, error)
}) (deploy.Version, error) {
	digest := r.Digest
	if digest == "" {
		d, err := reg.Digest(ctx, image.Cut(r.Image))
		if err != nil {
			return deploy.Version{}, fmt.Errorf("looking up %s: %w", r.Image, err)
		}
		digest = d
	}
	return deploy.Version{ImageName: s.Docker.Image, Service: release.Service{
		Name: s.Name, Commit: r.Commit, Reference: s.Git.Reference, Tag: r.Commit, Image: image.Cut(r.Image), Digest: digest,
	}}, nil
}

func branchNames(services []*manifest.Service) []string {
	out := make([]string, len(services))
	for i, s := range services {
		out[i] = s.Name
	}
	return out
}

// listBranches lists remote's references from the session that fetches
// every branch and tag into a checkout of it — cloning one, without files,
// when there is none, at the service's depth — so that the build that
// follows asks the remote nothing more; offline, it lists what that
// checkout last fetched.
func listBranches(ctx context.Context, c *cli.Context, m *manifest.Manifest, git gitsync.Client, remote string) (map[string]string, error) {
	var of []*manifest.Service
	for _, s := range m.Services {
		if s.Git.URL == remote {
			of = append(of, s)
		}
	}
	if len(of) == 0 || gitsync.Offline(ctx) {
		dir := ""
		if len(of) > 0 {
			dir = of[0].AbsDir
		}
		return git.ListRefs(ctx, remote, dir)
	}
	unlock, err := lockFolders(c, m, flock.Shared, of[:1])
	if err != nil {
		return nil, err
	}
	defer unlock()
	s := of[0]
	req := gitsync.Request{Remote: remote, Dir: s.AbsDir, Reference: s.Git.Reference, Depth: s.Git.Depth,
		Notes: func(msg string) { progress(c).Stepf(s.Name, "%s", msg) }}
	if err := git.Prefetch(ctx, req); err != nil {
		return nil, fmt.Errorf("fetching %s: %w", s.Dir, err)
	}
	return git.LsRemote(ctx, remote)
}
