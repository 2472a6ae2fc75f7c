package retention

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// FuzzMake checks what must hold for any input: every image is decided
// once, an artifact is kept exactly when the image it belongs to is, what
// a kept image was built from is kept, and a hand-pushed tag keeps its
// image unless AllTags.
func FuzzMake(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{0, 0, 200, 9, 3, 3, 3, 1, 40, 7})
	f.Add([]byte{1, 4, 2, 5, 3, 6, 4, 7, 5, 8, 6, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := Input{Now: now, Rules: rules()}
		in.Rules.AllTags = len(data)%2 == 1
		r := Repository{Service: "a", Name: "a"}
		for i := 0; i+1 < len(data) && i < 64; i += 2 {
			n, kind := int(data[i]%16), data[i+1]
			var im Image
			switch kind % 8 {
			case 0:
				im = sig(n, "sig")
			case 4:
				im = sig(n, "")
				im.Tags[0] = im.Tags[0][:len(im.Tags[0])-1]
			case 5:
				im = Image{Digest: dg(2000 + n), Tags: []string{fmt.Sprint("ref-", n)}, Subject: dg(int(kind) % 16)}
			case 6:
				im = img(n, 100, "latest")
			case 7:
				im = img(n, float64(kind)/10)
				im.Uses = []Ref{{Repository: "a", Digest: dg(int(kind) % 16)}}
			case 1:
				im = img(n, float64(kind)/10)
			case 2:
				im = img(n, 100, "main")
				in.Releases = append(in.Releases, Release{Env: "e", Revision: int(kind), Status: "superseded", Images: []Ref{{Repository: "a", Digest: dg(n)}}})
			default:
				im = img(n, 100)
				in.Sources = append(in.Sources, Source{Service: "a", Branches: []Branch{{Name: "main", ImageTag: "main", Head: now.Add(-time.Duration(kind) * time.Hour), Commits: []string{sha(n)}}}})
			}
			if !containsDigest(r.Images, im.Digest) {
				r.Images = append(r.Images, im)
			}
		}
		in.Repositories = []Repository{r}
		plan := Make(in)
		seen := map[string]bool{}
		kept := map[string]bool{}
		for _, p := range plan.Repositories {
			for _, d := range append(append([]Decision{}, p.Keep...), p.Delete...) {
				if seen[d.Digest] {
					t.Fatalf("%s decided twice", d.Digest)
				}
				seen[d.Digest] = true
			}
			for _, d := range p.Keep {
				kept[d.Digest] = true
			}
		}
		if len(seen) != len(r.Images) {
			t.Fatalf("decided %d of %d images", len(seen), len(r.Images))
		}
		for _, p := range plan.Repositories {
			for _, d := range append(append([]Decision{}, p.Keep...), p.Delete...) {
				if d.Subject != "" && containsDigest(r.Images, d.Subject) && kept[d.Subject] != kept[d.Digest] {
					t.Fatalf("artifact %s kept %v, its image %s kept %v", d.Digest, kept[d.Digest], d.Subject, kept[d.Subject])
				}
			}
		}
		for _, im := range r.Images {
			if subjectOf(im) != "" {
				continue
			}
			for _, u := range im.Uses {
				if kept[im.Digest] && containsDigest(r.Images, u.Digest) && !kept[u.Digest] {
					t.Fatalf("kept image %s was built from %s, which is deleted", im.Digest, u.Digest)
				}
			}
			if slices.Contains(im.Tags, "latest") && !in.Rules.AllTags && !kept[im.Digest] {
				t.Fatalf("image %s tagged latest deleted without AllTags", im.Digest)
			}
		}
	})
}

func containsDigest(images []Image, digest string) bool {
	for _, im := range images {
		if im.Digest == digest {
			return true
		}
	}
	return false
}
