package retention

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func rules() Rules {
	return Rules{ReleasesPerEnvironment: 2, LockCommits: 2, BranchDays: 30, ImagesPerBranch: 2, Recent: 2 * time.Hour}
}

// sha is a 40-hex commit named after n.
func sha(n int) string { return fmt.Sprintf("%040x", n) }

// dg is a digest named after n.
func dg(n int) string { return fmt.Sprintf("sha256:%064x", n) }

// img is an image built days ago with the commit tag of n, its key tag and
// extra tags.
func img(n int, daysAgo float64, extra ...string) Image {
	return Image{
		Digest:  dg(n),
		Tags:    append([]string{sha(n), fmt.Sprintf("key-%d", n)}, extra...),
		Created: now.Add(-time.Duration(daysAgo * 24 * float64(time.Hour))),
	}
}

func sig(subject int, kind string) Image {
	return Image{Digest: dg(1000 + subject), Tags: []string{fmt.Sprintf("sha256-%064x.%s", subject, kind)}, Created: now.AddDate(0, 0, -60)}
}

func TestMake(t *testing.T) {
	old := func(ns ...int) []Image {
		var out []Image
		for _, n := range ns {
			out = append(out, img(n, 100))
		}
		return out
	}
	tests := []struct {
		name string
		in   Input
		// keep lists the kept digests by number with a word their reasons
		// must hold; every other image must be deleted.
		keep map[int]string
	}{
		{
			name: "nothing keeps old images",
			in:   Input{Repositories: []Repository{{Service: "a", Name: "a", Images: old(1, 2)}}},
		},
		{
			name: "recent images are kept",
			in:   Input{Repositories: []Repository{{Service: "a", Name: "a", Images: []Image{img(1, 0.01), img(2, 1)}}}},
			keep: map[int]string{1: "within 2h0m0s"},
		},
		{
			name: "an image of unknown age is not recent",
			in:   Input{Repositories: []Repository{{Service: "a", Name: "a", Images: []Image{{Digest: dg(1), Tags: []string{sha(1)}}}}}},
		},
		{
			name: "the last N releases, and the deployed one however old",
			in: Input{
				Repositories: []Repository{{Service: "a", Name: "a", Images: old(1, 2, 3, 4, 5)}},
				Releases: []Release{
					{Env: "prod", Revision: 1, Status: "superseded", Images: []Ref{{Repository: "a", Digest: dg(1)}}},
					{Env: "prod", Revision: 2, Status: "deployed", Images: []Ref{{Repository: "a", Digest: dg(2)}}},
					{Env: "prod", Revision: 3, Status: "failed", Images: []Ref{{Repository: "a", Digest: dg(3)}}},
					{Env: "prod", Revision: 4, Status: "in-progress", Images: []Ref{{Repository: "a", Tag: sha(4)}}},
					{Env: "dev", Revision: 7, Status: "deployed", Images: []Ref{{Repository: "a", Tag: sha(5)}}},
				},
			},
			keep: map[int]string{2: "release 2 of prod (deployed)", 3: "release 3 of prod", 4: "in-progress", 5: "release 7 of dev"},
		},
		{
			name: "a release naming another registry's repository keeps nothing here",
			in: Input{
				Repositories: []Repository{{Service: "a", Name: "a", Images: old(1)}},
				Releases:     []Release{{Env: "prod", Revision: 1, Status: "deployed", Images: []Ref{{Repository: "b", Digest: dg(1)}}}},
			},
		},
		{
			name: "lock files of the last N commits of each ref",
			in: Input{
				Repositories: []Repository{{Service: "a", Name: "a", Images: old(1, 2, 3, 4)}},
				Locks: []LockHistory{
					{Ref: "main", Commits: []LockCommit{
						{Commit: sha(90), Images: []Ref{{Repository: "a", Digest: dg(1)}}},
						{Commit: sha(91)},
						{Commit: sha(92), Images: []Ref{{Repository: "a", Digest: dg(2)}}},
					}},
					{Ref: "tag v1", Commits: []LockCommit{{Commit: sha(93), Images: []Ref{{Repository: "a", Digest: dg(4)}}}}},
				},
			},
			keep: map[int]string{1: "x-platform.lock at main (000000000000)", 4: "at tag v1"},
		},
		{
			name: "git tags and recent branches",
			in: Input{
				Repositories: []Repository{{Service: "a", Name: "a", Images: []Image{
					img(1, 100), img(2, 90), img(3, 80, "main"), img(4, 70), img(5, 60, "v1.0"), img(6, 200, "old-branch"), img(7, 200),
				}}},
				Sources: []Source{{Service: "a",
					Tags: []GitTag{{Name: "v1.0", Commit: sha(99), ImageTag: "v1.0"}, {Name: "v0.9", Commit: sha(7), ImageTag: "v0.9"}},
					Branches: []Branch{
						// 4 has no image under its commit tag in the history: skipped.
						{Name: "main", ImageTag: "main", Head: now.AddDate(0, 0, -1), Commits: []string{sha(50), sha(2), sha(1), sha(4)}},
						{Name: "old/branch", ImageTag: "old-branch", Head: now.AddDate(0, 0, -31), Commits: []string{sha(6)}},
					},
				}},
			},
			keep: map[int]string{1: "image 2 of the last 2 of branch main", 2: "image 1 of the last 2", 3: "last image of branch main", 5: "git tag v1.0", 7: "git tag v0.9"},
		},
		{
			name: "builder images, the cache and the keep list",
			in: Input{
				Rules: Rules{Keep: []string{"release-*", "a:v1-hotfix", "reg.example/a@" + dg(4), "b:keep-*"}},
				Repositories: []Repository{
					{Service: "a", Name: "a", Images: []Image{img(1, 100, "buildcache"), img(2, 100, "release-3"), img(3, 100, "v1-hotfix"), img(4, 100), img(5, 100)}},
					{Service: "b", Name: "team/b", Images: []Image{img(6, 100, "keep-me"), img(7, 100, "builder")}},
				},
				Builders: []Ref{{Repository: "team/b", Tag: "builder"}},
			},
			keep: map[int]string{1: "registry cache", 2: "keep list: release-*", 3: "keep list: a:v1-hotfix", 4: "keep list: reg.example/a@", 6: "keep list: b:keep-*", 7: "builder image"},
		},
		{
			// The tag of a reference by digest says nothing more: the
			// digest alone is kept, in the repository the entry names.
			name: "a keep entry with a tag and a digest",
			in: Input{
				Rules:        Rules{Keep: []string{"reg.example:5000/a:v1@" + dg(2)}},
				Repositories: []Repository{{Service: "a", Name: "a", Images: []Image{img(1, 100), img(2, 100)}}},
			},
			keep: map[int]string{2: "keep list: reg.example:5000/a:v1@"},
		},
		{
			name: "signatures follow their image",
			in: Input{
				Repositories: []Repository{{Service: "a", Name: "a", Images: []Image{
					img(1, 0.01), img(2, 100), sig(1, "sig"), sig(2, "att"), sig(3, "sbom"),
					{Digest: dg(4), Tags: []string{"index"}, Created: now, Children: []string{dg(5)}}, sig(5, "sig"),
				}}},
			},
			keep: map[int]string{1: "within", 1001: "belongs to kept image", 4: "within", 1005: "belongs to kept image"},
		},
		{
			name: "other signers' artifacts and referrers follow their image",
			in: Input{
				Repositories: []Repository{{Service: "a", Name: "a", Images: []Image{
					img(1, 0.01), img(2, 100),
					// The referrers fallback index of cosign v3, notation and ratify.
					{Digest: dg(1001), Tags: []string{fmt.Sprintf("sha256-%064x", 1)}, Children: []string{dg(3000)}},
					{Digest: dg(1002), Tags: []string{fmt.Sprintf("sha256-%064x", 2)}},
					{Digest: dg(1003), Tags: []string{fmt.Sprintf("sha256-%064x.notation.sig", 1)}},
					// Found by its manifest's subject, as the Referrers API lists it.
					{Digest: dg(1004), Tags: []string{"sbom-1"}, Subject: dg(1)},
					{Digest: dg(1005), Tags: []string{"sbom-2"}, Subject: dg(2)},
				}}},
			},
			keep: map[int]string{1: "within", 1001: "belongs to kept image", 1003: "belongs to kept image", 1004: "belongs to kept image"},
		},
		{
			name: "tags builds do not write keep their image",
			in: Input{
				Repositories: []Repository{{Service: "a", Name: "a", Images: []Image{
					img(1, 100, "latest"), img(2, 100, "hotfix-1"), img(3, 100, "old-branch"), img(4, 100, "v0.1"),
					img(5, 100, "dirty-0123456789abcdef"), img(6, 100, "buildcache"), img(7, 100, "gone-branch"),
				}}},
				Sources: []Source{{Service: "a",
					Tags:     []GitTag{{Name: "v0.1", Commit: sha(99), ImageTag: "v0.1"}},
					Branches: []Branch{{Name: "old/branch", ImageTag: "old-branch", Head: now.AddDate(-1, 0, 0)}},
				}},
			},
			keep: map[int]string{1: "tag latest is not one x-platform writes", 2: "tag hotfix-1 is not one", 4: "git tag v0.1", 6: "cache", 7: "--all-tags deletes it"},
		},
		{
			name: "every tag goes with AllTags",
			in: Input{
				Rules:        Rules{AllTags: true},
				Repositories: []Repository{{Service: "a", Name: "a", Images: []Image{img(1, 100, "latest"), img(2, 100, "hotfix-1")}}},
			},
		},
		{
			name: "the manifest's pins and what kept images were built from",
			in: Input{
				Repositories: []Repository{
					{Service: "a", Name: "a", Images: []Image{
						{Digest: dg(1), Tags: []string{sha(1)}, Uses: []Ref{{Repository: "base", Digest: dg(5)}}},
						{Digest: dg(2), Tags: []string{sha(2)}, Uses: []Ref{{Repository: "base", Digest: dg(7)}}},
						{Digest: dg(3), Tags: []string{sha(3)}, Uses: []Ref{{Repository: "elsewhere", Digest: dg(8)}}},
					}},
					{Service: "base", Name: "base", Images: []Image{
						{Digest: dg(5), Tags: []string{sha(5)}, Uses: []Ref{{Repository: "base", Digest: dg(6)}}},
						{Digest: dg(6), Tags: []string{sha(6)}}, {Digest: dg(7), Tags: []string{sha(7)}},
					}},
				},
				Pins: []Pin{{Service: "a", Reference: "origin/release", Commit: sha(1)}, {Service: "a", Reference: sha(3), Commit: sha(3)}},
			},
			keep: map[int]string{1: "the manifest's git.reference origin/release", 3: "git.reference " + sha(3), 5: "a dependency of kept image a@", 6: "a dependency of kept image base@"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Now = now
			keep, all := in.Rules.Keep, in.Rules.AllTags
			in.Rules = rules()
			in.Rules.Keep, in.Rules.AllTags = keep, all
			plan := Make(in)
			kept := map[string]Decision{}
			deleted := map[string]bool{}
			for _, r := range plan.Repositories {
				for _, d := range r.Keep {
					kept[d.Digest] = d
				}
				for _, d := range r.Delete {
					if len(d.Reasons) == 0 {
						t.Errorf("deleted %s without a reason", d.Digest)
					}
					deleted[d.Digest] = true
				}
			}
			for n, word := range tt.keep {
				d, ok := kept[dg(n)]
				if !ok {
					t.Errorf("image %d deleted, want it kept for %q", n, word)
					continue
				}
				if !strings.Contains(strings.Join(d.Reasons, "; "), word) {
					t.Errorf("image %d kept for %q, want a reason holding %q", n, d.Reasons, word)
				}
			}
			for _, r := range in.Repositories {
				for _, im := range r.Images {
					want := slices.ContainsFunc(mapKeys(tt.keep), func(n int) bool { return dg(n) == im.Digest })
					if _, k := kept[im.Digest]; k != want || deleted[im.Digest] == want {
						t.Errorf("image %s (%v): kept %v deleted %v, want kept %v (reasons %v)", im.Digest[len(im.Digest)-4:], im.Tags, k, deleted[im.Digest], want, kept[im.Digest].Reasons)
					}
				}
			}
		})
	}
}

func mapKeys(m map[int]string) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestMakeRefusedAndOrder(t *testing.T) {
	in := Input{
		Now:     now,
		Rules:   rules(),
		Refused: map[string]string{"a": "the cluster of prod could not be read"},
		Repositories: []Repository{{Service: "a", Name: "a", Images: []Image{
			sig(2, "sig"), img(2, 50), img(3, 40), {Digest: dg(9), Tags: []string{"sha256-" + strings.Repeat("f", 64) + ".sig"}},
		}}},
	}
	plan := Make(in)
	r := plan.Repositories[0]
	if r.Refused == "" {
		t.Errorf("repository not refused")
	}
	var got []string
	for _, d := range r.Delete {
		got = append(got, d.Digest[len(d.Digest)-4:]+" "+strings.Join(d.Reasons, ","))
	}
	want := []string{"0003 no rule keeps it", "0002 no rule keeps it", "03ea belongs to deleted image 000000000000", "0009 its image ffffffffffff is gone"}
	if !slices.Equal(got, want) {
		t.Errorf("deletes:\n got %q\nwant %q", got, want)
	}
}

func TestMakeIsDeterministic(t *testing.T) {
	in := Input{Now: now, Rules: rules(), Repositories: []Repository{{Service: "a", Name: "a", Images: []Image{img(1, 1, "z", "b"), img(2, 1), img(3, 2)}}}}
	first := fmt.Sprint(Make(in))
	for range 20 {
		if got := fmt.Sprint(Make(in)); got != first {
			t.Fatalf("plans differ:\n%s\n%s", first, got)
		}
	}
}
