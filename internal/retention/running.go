package retention

import "fmt"

// Running is an image a live pod or workload of an environment runs,
// whatever the release records say.
type Running struct {
	Env string
	// What names the object that runs it: "pod web-1", "deployment web".
	What  string
	Image Ref
}

// running keeps every image a cluster runs now.
func (p *planner) running() {
	for _, r := range p.in.Running {
		p.keepRef(r.Image, fmt.Sprintf("running in %s (%s)", r.Env, r.What))
	}
}
