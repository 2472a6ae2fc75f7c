package pipeline

import (
	"context"
	"strings"
	"time"

	"github.com/x-platform/x-platform/internal/cachekey"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
)

// job is one service's way to its image. Where its files come from is its
// source: a checkout at a commit, a commit fetched into memory (plan), or a
// working folder as it is (--local). Its steps are the same for every
// source: gather the inputs, decide (changing nothing), then act — solve,
// push, tag, sign, record. A lock gives the decision instead (--locked).
type job struct {
	*run
	s   *manifest.Service
	res report.ServiceResult // what is known so far, for the report

	src    source
	commit string // the commit built; "" for a working folder
	// name is the branch or git tag the commit was reached by, and byCommit
	// says a SHA pinned it: the branch's tag follows the image.
	name     string
	byCommit bool
	folder   string // the working folder a --local build takes
	locked   string // the digest a lock gives

	ref  image.Ref // the image, under its commit's (or folder's) tag
	in   cachekey.Inputs
	tags image.Tags
}

func (r *run) newJob(s *manifest.Service) *job {
	return &job{run: r, s: s, res: newResult(s)}
}

// at points the job at commit, whose files src reads.
func (j *job) at(commit string, src source) {
	j.commit, j.src = commit, src
	j.ref = image.NewRef(j.RegistryPrefix, j.s.Docker.Image, commit)
	j.res.Commit, j.res.Image = commit, j.ref.String()
}

// checkoutJob brings the service's checkout to its reference: the job
// builds the commit it lands on.
func (r *run) checkoutJob(ctx context.Context, s *manifest.Service) (*job, error) {
	j := r.newJob(s)
	res, err := r.sync(ctx, s)
	if err != nil {
		return j, err
	}
	j.at(res.Commit, checkoutSource{r.Git, s, res.Commit})
	j.name, j.byCommit = res.Name, res.Kind == gitsync.Commit
	j.res.Saved = res.Saved
	return j, nil
}

// gather reads the inputs of the service's image from its source and the
// images of its dependencies, and the tags they give the image.
func (j *job) gather(ctx context.Context, deps map[string]report.ServiceResult) error {
	in, err := j.inputs(ctx, deps)
	if err != nil {
		return err
	}
	j.in = in
	if j.folder == "" {
		j.tags = image.NewTags(j.commit, in.Key(), j.name, j.byCommit)
		j.res.Key = in.Key()
	}
	return nil
}

// image is the job's image reference as the clients take it.
func (j *job) image() string { return j.ref.String() }

// buildOne takes one service from its source to a pushed image.
func (r *run) buildOne(ctx context.Context, s *manifest.Service, deps map[string]report.ServiceResult) report.ServiceResult {
	start := time.Now()
	var j *job
	var err error
	if dir, ok := r.Local[s.Name]; ok {
		j, err = r.folderJob(s, dir)
	} else {
		j, err = r.checkoutJob(ctx, s)
	}
	if err == nil {
		err = j.gather(ctx, deps)
	}
	if err != nil {
		return r.fail(j.res, err)
	}
	out, err := j.decide(ctx)
	if err == nil {
		out, err = j.act(ctx, out)
	}
	j.res.Reason = strings.Join(out.why, "; ")
	if err != nil {
		return r.fail(j.res, err)
	}
	j.res.Action, j.res.Digest = out.action, out.digest
	where := ""
	if j.folder != "" {
		where = " from " + j.folder
	}
	r.Progress.Donef(s.Name, true, "%s %s%s (%s)", out.action, j.image(), where, time.Since(start).Round(time.Millisecond))
	return j.res
}
