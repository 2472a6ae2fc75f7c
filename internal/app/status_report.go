package app

import (
	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/report"
)

// envReportOf is how status reports an environment it read.
func envReportOf(st *deploy.EnvStatus) report.StatusEnv {
	r := report.StatusEnv{Name: st.Name, Namespace: st.Namespace, Revision: st.Revision, Reachable: true, Services: []report.StatusService{}, Warnings: st.Warnings}
	if !st.Time.IsZero() {
		t := st.Time.UTC()
		r.Time = &t
	}
	for _, s := range st.Services {
		flags := s.Flags
		if flags == nil {
			flags = []string{}
		}
		r.Services = append(r.Services, report.StatusService{
			Name: s.Name, Reference: s.Reference, Commit: s.Commit, Released: s.Digest,
			PinnedCommit: s.PinnedCommit, Pinned: s.Pinned, Running: s.Running, Flags: flags,
		})
	}
	if c := st.Canary; c != nil {
		r.Canary = &report.StatusCanary{Revision: c.Revision, Steps: c.Canary.Steps, Step: c.Canary.Step, Split: c.Canary.Split}
	}
	for _, d := range st.Drifted {
		r.Drifted = append(r.Drifted, report.Drift{Object: d.Ref.String(), Fields: d.Fields, Gone: d.Gone})
	}
	return r
}
