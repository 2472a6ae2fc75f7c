package cleanup

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/x-platform/x-platform/internal/cachekey"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/retention"
)

var fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// storedImage is what the retention rules know of a stored manifest: the
// images of dependency services its labels say it was built from are
// among those it uses.
func storedImage(m *manifest.Manifest, st image.Stored) retention.Image {
	img := retention.Image{Digest: st.Digest, Tags: st.Tags, Created: st.Created, Children: st.Children, Subject: st.Subject}
	deps := cachekey.Deps(st.Labels)
	for _, name := range slices.Sorted(maps.Keys(deps)) {
		if s := m.Service(name); s != nil {
			img.Uses = append(img.Uses, retention.Ref{Repository: s.Docker.Image, Digest: deps[name]})
		}
	}
	return img
}

// pins resolves each cleaned service's git.reference in its checkout, as
// a build would: the image of that commit is what the manifest builds and
// deploys now. A reference that does not resolve is noted.
func (o *Options) pins(refused map[string]string, note func(format string, args ...any)) []retention.Pin {
	var out []retention.Pin
	for _, s := range o.Services {
		ref := s.Git.Reference
		if fullSHA.MatchString(ref) {
			out = append(out, retention.Pin{Service: s.Name, Reference: ref, Commit: ref})
			continue
		}
		commit, err := gitsync.Resolve(s.AbsDir, ref)
		if err != nil {
			// A service refused is not deleted from: its refusal says why.
			if refused[s.Name] == "" {
				note("git.reference %s of %s does not resolve in its checkout (%v): no image is kept as its pin", ref, s.Name, err)
			}
			continue
		}
		out = append(out, retention.Pin{Service: s.Name, Reference: ref, Commit: commit})
	}
	return out
}

// indexNote warns, when a cleaned repository holds image indexes, that
// distribution v2's garbage collector deletes what they list.
func indexNote(repos []retention.Repository) string {
	var with []string
	for _, r := range repos {
		if slices.ContainsFunc(r.Images, func(img retention.Image) bool { return len(img.Children) > 0 }) {
			with = append(with, r.Name)
		}
	}
	if len(with) == 0 {
		return ""
	}
	return fmt.Sprintf("%s hold image indexes (multi-platform images, referrers indexes): "+
		"run `registry garbage-collect --delete-untagged` only on distribution v3 (registry:3); "+
		"distribution v2 (registry:2) deletes the untagged manifests a tagged index lists, breaking those images", strings.Join(with, ", "))
}
