package retention

import (
	"fmt"
	"testing"
)

// BenchmarkMake plans 50 repositories of 200 images each, every one with
// its commit and key tags, against 10 branches of 200 commits per service.
func BenchmarkMake(b *testing.B) {
	in := Input{Now: now, Rules: rules()}
	for r := range 50 {
		repo := Repository{Service: fmt.Sprint("s", r), Name: fmt.Sprint("s", r)}
		src := Source{Service: repo.Service}
		for i := range 200 {
			repo.Images = append(repo.Images, img(r*1000+i, float64(i)))
		}
		for br := range 10 {
			branch := Branch{Name: fmt.Sprint("b", br), ImageTag: fmt.Sprint("b", br), Head: now}
			for i := range 200 {
				branch.Commits = append(branch.Commits, sha(r*1000+(i+br)%200))
			}
			src.Branches = append(src.Branches, branch)
		}
		in.Repositories = append(in.Repositories, repo)
		in.Sources = append(in.Sources, src)
	}
	for b.Loop() {
		Make(in)
	}
}
