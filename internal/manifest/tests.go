package manifest

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// DefaultTestTimeout bounds a post-deploy test whose entry sets no timeout.
const DefaultTestTimeout = 5 * time.Minute

// Test is one post-deploy test: Jobs run in an environment after its
// rollout is ready, which must succeed before the release counts as good.
// Exactly one of Kustomize and Image is set.
type Test struct {
	// Name is a DNS label, unique among the tests an environment runs.
	Name string
	// Env is the environment of an environments.<env>.tests entry; Service
	// the service of a services.<svc>.tests entry, whose tests run in every
	// environment (every environment deploys every service).
	Env, Service string
	// Kustomize is a folder holding a kustomization that renders the
	// test's Job(s): slash-separated, relative to the manifest's folder.
	Kustomize string
	// Image is the name of a service of the manifest, which runs that
	// service's image as just deployed (by digest), or any other image
	// reference, used as written. Command is what its one container runs.
	Image   string
	Command []string
	// Timeout bounds the test's Jobs; 0 when the entry sets none, which
	// RunTimeout reads as DefaultTestTimeout.
	Timeout time.Duration
}

// RunTimeout is how long the test's Jobs may take.
func (t Test) RunTimeout() time.Duration {
	if t.Timeout > 0 {
		return t.Timeout
	}
	return DefaultTestTimeout
}

// TestsFor lists the tests env runs after a deploy: its own, in file
// order, then those of every service, in the order of services.
func (m *Manifest) TestsFor(env string) []Test {
	var own, services []Test
	for _, t := range m.Tests {
		switch {
		case t.Env == env:
			own = append(own, t)
		case t.Service != "":
			services = append(services, t)
		}
	}
	return append(own, services...)
}

// tests reads every services.<svc>.tests and environments.<env>.tests.
// The service and environment entries have been read and reported on
// already: their structure is walked again quietly, and only problems
// with tests are reported here.
func (d *decoder) tests(top *object, m *Manifest) []Test {
	quiet := &decoder{file: d.file, lexical: d.lexical}
	serviceNames := map[string]bool{}
	for _, s := range m.Services {
		serviceNames[s.Name] = true
	}
	var out []Test
	shared := map[string]*yaml.Node{} // service tests run everywhere: unique across services
	for _, group := range []string{"services", "environments"} {
		f, ok := top.fields[group]
		if !ok || f.val.Kind != yaml.MappingNode {
			continue
		}
		for _, ef := range quiet.fields(f.val, group, true) {
			if ef.val.Kind != yaml.MappingNode {
				continue
			}
			var tf field
			for _, g := range quiet.fields(ef.val, "", true) {
				if g.name == "tests" {
					tf = g
				}
			}
			if tf.val == nil || isNull(tf.val) {
				continue
			}
			path := join(join(group, ef.name), "tests")
			seen := map[string]*yaml.Node{}
			if group == "services" {
				seen = shared
			}
			for _, t := range d.testList(tf, path, serviceNames, seen, shared) {
				if group == "services" {
					t.Service = ef.name
				} else {
					t.Env = ef.name
				}
				out = append(out, t)
			}
		}
	}
	return out
}

// testList reads one tests: list. seen holds the names taken in the same
// list; shared those of the services' tests, which every environment runs.
func (d *decoder) testList(tf field, path string, services map[string]bool, seen, shared map[string]*yaml.Node) []Test {
	if tf.val.Kind != yaml.SequenceNode {
		d.report(tf.val, path, "must be a list of tests, each with name and either kustomize or image and command, got %s", describe(tf.val))
		return nil
	}
	var out []Test
	for i, n := range tf.val.Content {
		at := fmt.Sprintf("%s[%d]", path, i)
		o := d.object(tf.key, resolve(n), at, testKeys.names()...)
		if o == nil {
			continue
		}
		o.at = resolve(n)
		t, ok := d.test(o, services)
		if !ok {
			continue
		}
		if first, dup := seen[t.Name]; dup {
			d.report(o.fields["name"].val, join(at, "name"), "test %q is already defined at line %d", t.Name, first.Line)
			continue
		}
		if first, dup := shared[t.Name]; dup {
			d.report(o.fields["name"].val, join(at, "name"), "test %q is already a service's test (line %d), which every environment runs", t.Name, first.Line)
			continue
		}
		seen[t.Name] = o.fields["name"].val
		out = append(out, t)
	}
	return out
}

// test reads one entry of a tests: list; ok is false when it has a problem.
func (d *decoder) test(o *object, services map[string]bool) (Test, bool) {
	before := len(d.errs)
	var t Test
	name, at := d.str(o, "name", true)
	d.check(at, join(o.path, "name"), testNameProblem(name))
	t.Name = name
	dir, dirAt := d.str(o, "kustomize", false)
	img, imgAt := d.str(o, "image", false)
	_, hasCommand := o.fields["command"]
	switch {
	case dirAt != nil && (imgAt != nil || hasCommand):
		d.report(dirAt, join(o.path, "kustomize"), "a test runs either a kustomize folder or an image with a command, not both")
	case dirAt != nil:
		if d.check(dirAt, join(o.path, "kustomize"), testFolderProblem(dir)) {
			t.Kustomize = path.Clean(dir)
		}
	case imgAt != nil:
		if services[img] || d.check(imgAt, join(o.path, "image"), testImageProblem(img)) {
			t.Image = img
		}
		t.Command = d.list(o, "command", "strings", nil)
		if len(t.Command) == 0 && len(d.errs) == before {
			d.report(o.at, join(o.path, "command"), "an image test needs a command: a list such as [sh, -c, \"make smoke\"]")
		}
	default:
		d.report(o.at, o.path, "a test needs either kustomize: a folder of Job(s), or image: and command:")
	}
	t.Timeout = d.timeout(o)
	return t, len(d.errs) == before
}

func testNameProblem(name string) string {
	if len(name) > 40 || !dnsLabel.MatchString(name) {
		return "test name must be a DNS-1123 label of at most 40 characters (lowercase letters, digits and '-'): it names the test's Jobs"
	}
	return ""
}

func testImageProblem(img string) string {
	if p := builderImageProblem(img); p != "" {
		return p + "; image names a service of the manifest or a full image reference"
	}
	return ""
}

// testFolderProblem checks a kustomize: folder by its text: relative to
// the manifest's folder and inside it. Whether it renders is found when
// the tests run, as for overlays.
func testFolderProblem(dir string) string {
	clean := path.Clean(filepath.ToSlash(dir))
	switch {
	case path.IsAbs(clean) || filepath.IsAbs(dir):
		return "must be a folder relative to the manifest's folder, such as k8s/tests/smoke"
	case clean == "." || clean == ".." || strings.HasPrefix(clean, "../"):
		return "must be a folder inside the manifest's folder, such as k8s/tests/smoke"
	case toolOwned(clean) != "":
		return toolOwnedProblem(toolOwned(clean))
	}
	return ""
}
