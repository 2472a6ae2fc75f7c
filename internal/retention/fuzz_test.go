package retention

import (
	"testing"
	"time"
)

// FuzzMake checks what must hold for any input: every image is decided
// once, and an artifact is kept exactly when the image it belongs to is.
func FuzzMake(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{0, 0, 200, 9, 3, 3, 3, 1, 40, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := Input{Now: now, Rules: rules()}
		r := Repository{Service: "a", Name: "a"}
		for i := 0; i+1 < len(data) && i < 64; i += 2 {
			n, kind := int(data[i]%16), data[i+1]
			var im Image
			switch kind % 4 {
			case 0:
				im = sig(n, "sig")
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
