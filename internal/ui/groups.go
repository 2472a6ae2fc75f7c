package ui

import (
	"fmt"
	"io"
	"regexp"
	"sync"
	"time"
)

// groups holds each service's lines until the service is done, then
// writes them as one collapsible group of a CI log: services worked on at
// once would otherwise interleave their lines, and a group must be
// contiguous. Lines of no service are written at once.
type groups struct {
	mu    sync.Mutex
	out   io.Writer
	ci    CI
	now   func() time.Time
	open  map[string]*group
	order []string // services with lines held, first seen first
	n     int      // groups written, to keep GitLab section names unique
}

type group struct {
	start time.Time
	text  []byte
}

var _ sink = (*groups)(nil)

func newGroups(out io.Writer, ci CI, now func() time.Time) *groups {
	return &groups{out: out, ci: ci, now: now, open: map[string]*group{}}
}

func (g *groups) line(service string, text []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if service == "" {
		_, _ = g.out.Write(text)
		return
	}
	g.held(service).text = append(g.held(service).text, text...)
}

func (g *groups) held(service string) *group {
	h, ok := g.open[service]
	if !ok {
		h = &group{start: g.now()}
		g.open[service] = h
		g.order = append(g.order, service)
	}
	return h
}

func (g *groups) done(service string, ok bool, text []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if service == "" {
		_, _ = g.out.Write(text)
		return
	}
	h := g.held(service)
	h.text = append(h.text, text...)
	g.flush(service, h, ok, "")
	g.forget(service)
	// A failure stays in sight outside its folded group.
	if !ok && g.ci == CIGitHub {
		_, _ = g.out.Write(text)
	}
}

// close writes the groups of services that never said they were done.
func (g *groups) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, service := range append([]string(nil), g.order...) {
		g.flush(service, g.open[service], true, " (not finished)")
		g.forget(service)
	}
}

func (g *groups) forget(service string) {
	delete(g.open, service)
	for i, s := range g.order {
		if s == service {
			g.order = append(g.order[:i], g.order[i+1:]...)
			break
		}
	}
}

var sectionName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// flush writes one service's held lines as a group titled with its name;
// a failed one is left unfolded where the CI can.
func (g *groups) flush(service string, h *group, ok bool, note string) {
	title := service + note
	switch g.ci {
	case CIGitHub:
		fmt.Fprintf(g.out, "::group::%s\n", title)
		_, _ = g.out.Write(h.text)
		fmt.Fprintln(g.out, "::endgroup::")
	case CIGitLab:
		g.n++
		name := fmt.Sprintf("xp_%d_%s", g.n, sectionName.ReplaceAllString(service, "_"))
		fmt.Fprintf(g.out, "\x1b[0Ksection_start:%d:%s[collapsed=%t]\r\x1b[0K%s\n", h.start.Unix(), name, ok, title)
		_, _ = g.out.Write(h.text)
		fmt.Fprintf(g.out, "\x1b[0Ksection_end:%d:%s\r\x1b[0K\n", g.now().Unix(), name)
	default:
		_, _ = g.out.Write(h.text)
	}
}
