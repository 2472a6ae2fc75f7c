package ui

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// interleaved is two services worked on at once, as a build prints them.
func interleaved(p *Progress) {
	p.Stepf("zfrontend", "syncing")
	p.Stepf("zbackend", "syncing")
	out := p.Output("zbackend")
	_, _ = io.WriteString(out, "step 1\nstep 2\n")
	p.Stepf("", "a line of the whole run")
	p.Stepf("zfrontend", "building")
	p.Donef("zbackend", false, "script failed: exit code 2")
	p.Donef("zfrontend", true, "built reg/zfrontend:abc")
	p.Stepf("zgateway", "syncing")
	p.Close()
}

func TestGitHubGroupsEachServiceWhenDone(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, Normal)
	p.InCI(CIGitHub)
	interleaved(p)
	want := `a line of the whole run
::group::zbackend
zbackend | syncing
zbackend | step 1
zbackend | step 2
zbackend | FAILED script failed: exit code 2
::endgroup::
zbackend | FAILED script failed: exit code 2
::group::zfrontend
zfrontend | syncing
zfrontend | building
zfrontend | ok built reg/zfrontend:abc
::endgroup::
::group::zgateway (not finished)
zgateway | syncing
::endgroup::
`
	if buf.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestGitLabSectionsCarryTheirTimes(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, Normal)
	clock := time.Unix(1700000000, 0)
	p.lines.sink = newGroups(&buf, CIGitLab, func() time.Time {
		clock = clock.Add(time.Second)
		return clock
	})
	p.Stepf("deployment/web", "rolling out")
	p.Donef("deployment/web", true, "ready")
	p.Stepf("zbackend", "syncing")
	p.Donef("zbackend", false, "failed")
	want := "\x1b[0Ksection_start:1700000001:xp_1_deployment_web[collapsed=true]\r\x1b[0Kdeployment/web\n" +
		"deployment/web | rolling out\ndeployment/web | ok ready\n" +
		"\x1b[0Ksection_end:1700000002:xp_1_deployment_web\r\x1b[0K\n" +
		"\x1b[0Ksection_start:1700000003:xp_2_zbackend[collapsed=false]\r\x1b[0Kzbackend\n" +
		"zbackend | syncing\nzbackend | FAILED failed\n" +
		"\x1b[0Ksection_end:1700000004:xp_2_zbackend\r\x1b[0K\n"
	if buf.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", buf.String(), want)
	}
}

func TestQuietCIWritesOnlyFailures(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, Quiet)
	p.InCI(CIGitHub)
	interleaved(p)
	want := "::group::zbackend\nzbackend | FAILED script failed: exit code 2\n::endgroup::\nzbackend | FAILED script failed: exit code 2\n"
	if buf.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestDetectCI(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tc := range []struct {
		name, override string
		env            func(string) string
		want           CI
	}{
		{"nothing", "", env(), CINone},
		{"github", "", env("GITHUB_ACTIONS", "true"), CIGitHub},
		{"gitlab", "", env("GITLAB_CI", "true"), CIGitLab},
		{"override wins", "none", env("GITHUB_ACTIONS", "true"), CINone},
		{"override names one", "GitLab", env(), CIGitLab},
	} {
		got, err := DetectCI(tc.override, tc.env)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	_, err := DetectCI("jenkins", env())
	var ce *CIError
	if !errors.As(err, &ce) || !ce.UsageError() {
		t.Fatalf("jenkins: err = %v, want a usage error", err)
	}
}
