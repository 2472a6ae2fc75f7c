package release

// Canary is the status of a release whose canary runs: the environment
// runs the release deployed before it, plus the new version on a share of
// its traffic, until the canary is promoted or aborted.
const Canary Status = "canary"

// CanaryStatus is where a release's canary stands.
type CanaryStatus string

// Where a canary stands.
const (
	CanaryInProgress CanaryStatus = "in-progress"
	CanaryPromoted   CanaryStatus = "promoted" // every step passed, the release rolled out in full
	CanaryAborted    CanaryStatus = "aborted"  // stopped: the stable version runs alone again
)

// Split names how a canary takes its share of the traffic.
const (
	SplitReplicas = "replicas" // a <name>-canary Deployment beside the stable one, behind its Service
	SplitRoute    = "route"    // Gateway API HTTPRoute backend weights
)

// CanaryRecord is the canary of a release: its steps, where it stands
// and what it runs, so that another run can promote or abort it.
type CanaryRecord struct {
	// Steps are the shares of traffic in percent, as the manifest lists
	// them; the full rollout follows the last.
	Steps []int `json:"steps"`
	// Step is the share the canary has now, in percent: 0 before the first
	// step, 100 once promoted.
	Step   int          `json:"step"`
	Status CanaryStatus `json:"status"`
	Split  string       `json:"split"`
	Manual bool         `json:"manual,omitempty"`
	Gate   string       `json:"gate,omitempty"`
	// Workloads are the Deployments split between the two versions.
	Workloads []CanaryWorkload `json:"workloads"`
	// Message says why it was aborted.
	Message string `json:"message,omitempty"`
}

// CanaryWorkload is one Deployment a canary splits.
type CanaryWorkload struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"` // the stable Deployment; the canary's is Name-canary
	// Replicas is the stable Deployment's count before the canary, which
	// an abort restores; Total what the release gives it.
	Replicas int `json:"replicas"`
	Total    int `json:"total"`
	// Service and Routes, for a split by route: the Service in front of
	// the Deployment, whose <name>-canary twin selects the canary's pods,
	// and the HTTPRoutes whose backend weights share the traffic.
	Service string   `json:"service,omitempty"`
	Routes  []string `json:"routes,omitempty"`
}

// Next is the share after the current step, and whether it is the full
// rollout that ends the canary.
func (c *CanaryRecord) Next() (percent int, final bool) {
	for _, s := range c.Steps {
		if s > c.Step {
			return s, false
		}
	}
	return 100, true
}
