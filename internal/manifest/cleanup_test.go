package manifest

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestCleanup(t *testing.T) {
	const services = "services:\n  a:\n    dir: a\n    git: {remote: r, reference: main}\n" +
		"    dockerBuilder: {image: b, workdir: /src}\n    docker: {image: a}\n"
	tests := []struct {
		name, section string
		want          Cleanup
		// err is the problem expected instead, from its line on.
		err string
	}{{
		name: "absent gives the defaults",
		want: DefaultCleanup,
	}, {
		name:    "null gives the defaults",
		section: "cleanup:\n",
		want:    DefaultCleanup,
	}, {
		name:    "every key",
		section: "cleanup:\n  releasesPerEnvironment: 5\n  lockCommits: 7\n  branchDays: 14\n  imagesPerBranch: 1\n  recentHours: 6\n  keep: [zbackend:v1-hotfix, 'release-*', 'reg.example/a@sha256:" + strings.Repeat("a", 64) + "']\n",
		want: Cleanup{ReleasesPerEnvironment: 5, LockCommits: 7, BranchDays: 14, ImagesPerBranch: 1, RecentHours: 6,
			Keep: []string{"zbackend:v1-hotfix", "release-*", "reg.example/a@sha256:" + strings.Repeat("a", 64)}},
	}, {
		name:    "some keys keep the other defaults",
		section: "cleanup: {branchDays: 3}\n",
		want:    Cleanup{ReleasesPerEnvironment: 10, LockCommits: 20, BranchDays: 3, ImagesPerBranch: 3, RecentHours: 2},
	}, {
		name:    "zero",
		section: "cleanup:\n  lockCommits: 0\n",
		err:     "2:16: cleanup.lockCommits: must be at least 1, got 0",
	}, {
		name:    "negative",
		section: "cleanup:\n  recentHours: -2\n",
		err:     "2:16: cleanup.recentHours: must be at least 1, got -2",
	}, {
		name:    "not a number",
		section: "cleanup:\n  branchDays: 30d\n",
		err:     "2:15: cleanup.branchDays: must be a whole number, got a string",
	}, {
		name:    "unknown key",
		section: "cleanup:\n  releases: 3\n",
		err:     "2:3: cleanup.releases: unknown key",
	}, {
		name:    "bad pattern",
		section: "cleanup:\n  keep: ['release-[']\n",
		err:     "2:10: cleanup.keep[0]: bad tag pattern release-[",
	}, {
		name:    "bad digest",
		section: "cleanup:\n  keep: ['a@sha256:12']\n",
		err:     "2:10: cleanup.keep[0]: a reference by digest must end in @sha256:<64 hex>",
	}, {
		name:    "duplicate",
		section: "cleanup:\n  keep: [a:v1, a:v1]\n",
		err:     "2:16: cleanup.keep[1]: already listed at line 2",
	}, {
		name:    "not a mapping",
		section: "cleanup: 3\n",
		err:     "1:10: cleanup: must be a mapping with keys releasesPerEnvironment,",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse("/m/x.yml", []byte(tt.section+services))
			if tt.err != "" {
				var errs Errors
				if !errors.As(err, &errs) || len(errs) != 1 || !strings.HasPrefix(err.Error(), "/m/x.yml:"+tt.err) {
					t.Fatalf("got %v, want one problem starting /m/x.yml:%s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m.Cleanup, tt.want) {
				t.Errorf("Cleanup = %+v, want %+v", m.Cleanup, tt.want)
			}
		})
	}
}
