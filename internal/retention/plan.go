package retention

import (
	"cmp"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/shortsha"
)

// artifactTag is how signers tag what belongs to the image with digest
// sha256:<hex>: cosign's .sig, .att and .sbom, and the bare tag that
// cosign v3, notation and ratify give the referrers index on registries
// without the Referrers API (any other suffix counts too).
var artifactTag = regexp.MustCompile(`^sha256-([0-9a-f]{64})(\.[A-Za-z0-9_.-]*)?$`)

// repo is one repository being decided on.
type repo struct {
	in      *Repository
	byTag   map[string]string // tag → digest
	parent  map[string]string // child manifest → index listing it
	reasons map[string][]string
}

func (r *repo) keep(digest, reason string) {
	if _, ok := r.reasons[digest]; !ok {
		return
	}
	if !slices.Contains(r.reasons[digest], reason) {
		r.reasons[digest] = append(r.reasons[digest], reason)
	}
}

// find returns the digest of the listed image ref names, or "".
func (r *repo) find(ref Ref) string {
	if ref.Digest != "" {
		if _, ok := r.reasons[ref.Digest]; ok {
			return ref.Digest
		}
		if p, ok := r.parent[ref.Digest]; ok {
			return p
		}
	}
	if ref.Tag != "" {
		return r.byTag[ref.Tag]
	}
	return ""
}

// planner holds the repositories of one plan by name and by service.
type planner struct {
	in        Input
	repos     []*repo
	byName    map[string]*repo
	byService map[string][]*repo
}

// Make decides for every image of in.Repositories whether it is kept, and
// why. The same input always gives the same plan.
func Make(in Input) Plan {
	p := &planner{in: in, byName: map[string]*repo{}, byService: map[string][]*repo{}}
	for i := range in.Repositories {
		r := &in.Repositories[i]
		st := &repo{in: r, byTag: map[string]string{}, parent: map[string]string{}, reasons: map[string][]string{}}
		for _, img := range r.Images {
			st.reasons[img.Digest] = nil
			for _, t := range img.Tags {
				st.byTag[t] = img.Digest
			}
			for _, c := range img.Children {
				st.parent[c] = img.Digest
			}
		}
		p.repos = append(p.repos, st)
		p.byName[r.Name] = st
		p.byService[r.Service] = append(p.byService[r.Service], st)
	}
	p.releases()
	p.running()
	p.locks()
	p.sources()
	p.pins()
	p.images()
	for _, b := range in.Builders {
		p.keepRef(b, "builder image named in the manifest")
	}
	p.foreignTags()
	p.uses()
	out := Plan{}
	for _, r := range p.repos {
		out.Repositories = append(out.Repositories, p.decide(r))
	}
	return out
}

func (p *planner) keepRef(ref Ref, reason string) {
	if r, ok := p.byName[ref.Repository]; ok {
		if d := r.find(ref); d != "" {
			r.keep(d, reason)
		}
	}
}

// releases keeps the images of each environment's last N records, and of
// any record deployed now or being deployed, however old.
func (p *planner) releases() {
	byEnv := map[string][]Release{}
	for _, rel := range p.in.Releases {
		byEnv[rel.Env] = append(byEnv[rel.Env], rel)
	}
	for env, rels := range byEnv {
		slices.SortFunc(rels, func(a, b Release) int { return b.Revision - a.Revision })
		for i, rel := range rels {
			live := rel.Status == "deployed" || rel.Status == "in-progress"
			if i >= p.in.Rules.ReleasesPerEnvironment && !live {
				continue
			}
			reason := fmt.Sprintf("release %d of %s (%s)", rel.Revision, env, rel.Status)
			for _, ref := range rel.Images {
				p.keepRef(ref, reason)
			}
		}
	}
}

// locks keeps what x-platform.lock pins in the last N commits of each
// branch and tag of the platform repository.
func (p *planner) locks() {
	for _, h := range p.in.Locks {
		for i, c := range h.Commits {
			if i >= p.in.Rules.LockCommits {
				break
			}
			reason := fmt.Sprintf("x-platform.lock at %s (%s)", h.Ref, shortsha.Commit(c.Commit))
			if i > 0 {
				reason = fmt.Sprintf("x-platform.lock at %s~%d (%s)", h.Ref, i, shortsha.Commit(c.Commit))
			}
			for _, ref := range c.Images {
				p.keepRef(ref, reason)
			}
		}
	}
}

// sources keeps the images of each service's git tags and of the last
// images of its recently moved branches.
func (p *planner) sources() {
	since := p.in.Now.Add(-time.Duration(p.in.Rules.BranchDays) * 24 * time.Hour)
	for _, src := range p.in.Sources {
		for _, r := range p.byService[src.Service] {
			for _, t := range src.Tags {
				r.keep(r.byTag[t.Commit], fmt.Sprintf("git tag %s (%s)", t.Name, shortsha.Commit(t.Commit)))
				if t.ImageTag != "" && r.byTag[t.ImageTag] != "" {
					r.keep(r.byTag[t.ImageTag], fmt.Sprintf("git tag %s", t.Name))
				}
			}
			for _, b := range src.Branches {
				if b.Head.Before(since) {
					continue
				}
				if b.ImageTag != "" && r.byTag[b.ImageTag] != "" {
					r.keep(r.byTag[b.ImageTag], fmt.Sprintf("last image of branch %s", b.Name))
				}
				n := 0
				for _, c := range b.Commits {
					if n >= p.in.Rules.ImagesPerBranch {
						break
					}
					if d := r.byTag[c]; d != "" {
						n++
						r.keep(d, fmt.Sprintf("image %d of the last %d of branch %s (%s)", n, p.in.Rules.ImagesPerBranch, b.Name, shortsha.Commit(c)))
					}
				}
			}
		}
	}
}

// images applies the rules that look at an image alone: recent, the
// registry cache, and the keep list.
func (p *planner) images() {
	patterns, refs := splitKeep(p.in.Rules.Keep)
	for _, r := range p.repos {
		for _, img := range r.in.Images {
			if !img.Created.IsZero() && p.in.Now.Sub(img.Created) < p.in.Rules.Recent {
				r.keep(img.Digest, fmt.Sprintf("created %s ago, within %s: a build may be using it", roundAge(p.in.Now.Sub(img.Created)), p.in.Rules.Recent))
			}
			for _, t := range img.Tags {
				if t == image.CacheTag {
					r.keep(img.Digest, "BuildKit's registry cache ("+image.CacheTag+")")
				}
				for _, pat := range patterns {
					if ok, _ := path.Match(pat, t); ok {
						r.keep(img.Digest, "keep list: "+pat)
					}
				}
			}
		}
		for _, k := range refs {
			if k.Repository != r.in.Name && k.Repository != r.in.Service && !strings.HasSuffix(k.Repository, "/"+r.in.Name) {
				continue
			}
			for _, img := range r.in.Images {
				if k.matches(img) {
					r.keep(img.Digest, "keep list: "+k.entry)
				}
			}
		}
	}
}

// decide splits a repository's images into kept and deleted; signatures,
// attestations and SBOMs follow the image they belong to.
func (p *planner) decide(r *repo) RepositoryPlan {
	out := RepositoryPlan{Service: r.in.Service, Repository: r.in.Name, Refused: p.in.Refused[r.in.Service]}
	for _, img := range r.in.Images {
		d := Decision{Digest: img.Digest, Tags: slices.Sorted(slices.Values(img.Tags)), Created: img.Created}
		if subject := subjectOf(img); subject != "" {
			d.Subject = subject
			owner := subject
			if p, ok := r.parent[subject]; ok {
				owner = p
			}
			reasons, listed := r.reasons[owner]
			switch {
			case len(reasons) > 0:
				d.Reasons = []string{"belongs to kept image " + shortsha.Digest(subject)}
				out.Keep = append(out.Keep, d)
			case listed:
				d.Reasons = []string{"belongs to deleted image " + shortsha.Digest(subject)}
				out.Delete = append(out.Delete, d)
			default:
				d.Reasons = []string{"its image " + shortsha.Digest(subject) + " is gone"}
				out.Delete = append(out.Delete, d)
			}
			continue
		}
		if reasons := r.reasons[img.Digest]; len(reasons) > 0 {
			d.Reasons = reasons
			out.Keep = append(out.Keep, d)
			continue
		}
		d.Reasons = []string{"no rule keeps it"}
		out.Delete = append(out.Delete, d)
	}
	order := func(a, b Decision) int {
		// Images before the artifacts that belong to them, newest first.
		if c := cmp.Compare(len(a.Subject), len(b.Subject)); c != 0 {
			return c
		}
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return cmp.Compare(a.Digest, b.Digest)
	}
	slices.SortFunc(out.Keep, order)
	slices.SortFunc(out.Delete, order)
	return out
}

// subjectOf returns the image digest an artifact belongs to, by its tag
// or its manifest's subject, or "".
func subjectOf(img Image) string {
	for _, t := range img.Tags {
		if m := artifactTag.FindStringSubmatch(t); m != nil {
			return "sha256:" + m[1]
		}
	}
	return img.Subject
}

func roundAge(d time.Duration) time.Duration {
	if d > time.Hour {
		return d.Round(time.Minute)
	}
	return d.Round(time.Second)
}
