package manifest

import (
	"fmt"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// Canary is how an environment meets a new version: a share of its
// traffic first, then more, step by step, and all of it only once every
// step passed.
type Canary struct {
	// Steps are the shares of traffic, in percent, the new version takes
	// in turn: strictly increasing, each in 1..99. 100 is implied: after
	// the last step the release rolls out in full.
	Steps []int
	// Pause is how long each step runs before the next; 0 goes on as soon
	// as the step is ready (and its gate passed).
	Pause time.Duration
	// Manual stops at each step, the canary left running, until
	// `x-platform canary promote` or `canary abort`.
	Manual bool
	// Gate is what must pass at each step: GateTests runs the
	// environment's post-deploy tests against the canary; "" nothing.
	Gate string
}

// GateTests runs the environment's post-deploy tests at each canary step.
const GateTests = "tests"

// PauseManual is the pause that waits for `x-platform canary promote`.
const PauseManual = "manual"

func (d *decoder) canary(o *object) *Canary {
	c := d.child(o, "canary", false, canaryKeys.names()...)
	if c == nil {
		return nil
	}
	out := &Canary{}
	path := join(c.path, "steps")
	steps := d.sequence(c, "steps", "percentages")
	if f, ok := c.fields["steps"]; !ok || len(steps) == 0 {
		at := c.at
		if ok {
			at = f.val
		}
		d.report(at, path, "must list at least one share of traffic in percent, such as [10, 50]; 100 comes last on its own")
	}
	prev := 0
	for i, n := range steps {
		at := fmt.Sprintf("%s[%d]", path, i)
		p, err := strconv.Atoi(n.Value)
		switch {
		case n.Kind != yaml.ScalarNode || err != nil:
			d.report(n, at, "must be a whole percentage, got %s", describe(n))
			continue
		case p < 1 || p > 99:
			d.report(n, at, "must be between 1 and 99, got %d: the full rollout (100) follows the last step on its own", p)
			continue
		case p <= prev:
			d.report(n, at, "must be more than the step before (%d): steps only ever grow", prev)
			continue
		}
		prev = p
		out.Steps = append(out.Steps, p)
	}
	if v, at := d.str(c, "pause", false); at != nil {
		if v == PauseManual {
			out.Manual = true
		} else if p, err := time.ParseDuration(v); err != nil || p < 0 {
			d.report(at, join(c.path, "pause"), "must be a duration such as 30s or 5m, or %q, got %q", PauseManual, v)
		} else {
			out.Pause = p
		}
	}
	if v, at := d.str(c, "gate", false); at != nil {
		if d.gates == nil {
			d.gates = map[string]*yaml.Node{}
		}
		d.gates[o.path] = at
		if v != GateTests {
			d.report(at, join(c.path, "gate"), "must be %q (run the environment's post-deploy tests at each step), got %q", GateTests, v)
		} else {
			out.Gate = v
		}
	}
	return out
}

// checkCanaryGates reports a canary gated by tests in an environment
// that runs none.
func (d *decoder) checkCanaryGates(m *Manifest) {
	for _, e := range m.Environments {
		if e.Canary == nil || e.Canary.Gate != GateTests || len(m.TestsFor(e.Name)) > 0 {
			continue
		}
		path := join("environments", e.Name)
		d.report(d.gates[path], join(path, "canary.gate"),
			"the environment has no post-deploy tests to gate each step with: add environments.%s.tests, or remove the gate", e.Name)
	}
}
