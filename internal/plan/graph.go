package plan

import "github.com/x-platform/x-platform/internal/manifest"

// WithDeps adds every service the selected ones depend on, transitively, and
// returns them all with dependencies before their users, otherwise in
// manifest order. The manifest has been checked for cycles and unknown names.
func WithDeps(m *manifest.Manifest, selected []*manifest.Service) []*manifest.Service {
	need := map[string]bool{}
	var mark func(s *manifest.Service)
	mark = func(s *manifest.Service) {
		if need[s.Name] {
			return
		}
		need[s.Name] = true
		for _, d := range s.Deps {
			if dep := m.Service(d); dep != nil {
				mark(dep)
			}
		}
	}
	for _, s := range selected {
		mark(s)
	}
	var out []*manifest.Service
	placed := map[string]bool{}
	var place func(s *manifest.Service)
	place = func(s *manifest.Service) {
		if placed[s.Name] {
			return
		}
		placed[s.Name] = true
		for _, d := range s.Deps {
			if dep := m.Service(d); dep != nil {
				place(dep)
			}
		}
		out = append(out, s)
	}
	for _, s := range m.Services {
		if need[s.Name] {
			place(s)
		}
	}
	return out
}
