package retention

import (
	"fmt"

	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/shortsha"
)

// pins keeps the image of the commit each service is pinned to: a
// manifest that names a commit deploys it whatever its age.
func (p *planner) pins() {
	for _, pin := range p.in.Pins {
		for _, r := range p.byService[pin.Service] {
			r.keep(r.byTag[pin.Commit], fmt.Sprintf("the manifest's git.reference %s (%s)", pin.Reference, shortsha.Commit(pin.Commit)))
		}
	}
}

// foreignTags keeps, unless Rules.AllTags, every image with a tag that no
// build writes: someone pushed it by hand (latest, a hotfix) and a rule
// cannot know who needs it.
func (p *planner) foreignTags() {
	if p.in.Rules.AllTags {
		return
	}
	names := map[string]map[string]bool{}
	for _, src := range p.in.Sources {
		if names[src.Service] == nil {
			names[src.Service] = map[string]bool{}
		}
		for _, t := range src.Tags {
			names[src.Service][t.ImageTag] = true
		}
		for _, b := range src.Branches {
			names[src.Service][b.ImageTag] = true
		}
	}
	for _, r := range p.repos {
		for _, img := range r.in.Images {
			if subjectOf(img) != "" {
				continue // an artifact goes with its image
			}
			for _, t := range img.Tags {
				if !written(t) && !names[r.in.Service][t] {
					r.keep(img.Digest, fmt.Sprintf("tag %s is not one x-platform writes (commit, %s, %s, branch or git tag of the remote); --all-tags deletes it", t, image.KeyTagPrefix, image.LocalTagPrefix))
				}
			}
		}
	}
}

// written says whether builds or signers write tags of t's shape whatever
// the service's remote holds.
func written(t string) bool {
	return image.Written(t) || artifactTag.MatchString(t)
}

// uses keeps the images kept images were built from, and theirs in turn.
func (p *planner) uses() {
	type item struct {
		r   *repo
		img *Image
	}
	byDigest := map[string][]item{}
	var queue []item
	for _, r := range p.repos {
		for i := range r.in.Images {
			img := &r.in.Images[i]
			byDigest[img.Digest] = append(byDigest[img.Digest], item{r, img})
			if len(r.reasons[img.Digest]) > 0 {
				queue = append(queue, item{r, img})
			}
		}
	}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		for _, ref := range it.img.Uses {
			dep, ok := p.byName[ref.Repository]
			if !ok {
				continue
			}
			d := dep.find(ref)
			if d == "" {
				continue
			}
			was := len(dep.reasons[d]) > 0
			dep.keep(d, fmt.Sprintf("a dependency of kept image %s@%s", it.r.in.Name, shortsha.Digest(it.img.Digest)))
			if !was {
				for _, next := range byDigest[d] {
					if next.r == dep {
						queue = append(queue, next)
					}
				}
			}
		}
	}
}
