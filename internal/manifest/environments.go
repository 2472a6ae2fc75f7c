package manifest

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// Environment is one entry of the environments map: which cluster and
// namespace `deploy --env <name>` targets. Its kustomize overlay is
// k8s/overlays/<name>; an environment needs no entry here to be deployed,
// the entry only names where it goes.
type Environment struct {
	Name string
	// Context is the kubeconfig context to use; "" means the current one.
	Context string
	// Namespace holds the release records and the objects that name no
	// namespace; "" means the context's namespace.
	Namespace string
	// RequireSignatures refuses to deploy an image without a valid
	// signature from the manifest's signing key.
	RequireSignatures bool
	// Protected refuses images built from working folders (--local).
	Protected bool
	// Preview, when set, makes the entry the template of preview
	// environments rather than an environment itself; see preview.go.
	Preview *Preview
	// Canary, when set, deploys a new version to a share of the traffic
	// first; see canary.go.
	Canary *Canary
}

// Environment returns the named environment, and whether the manifest lists it.
func (m *Manifest) Environment(name string) (Environment, bool) {
	for _, e := range m.Environments {
		if e.Name == name {
			return e, true
		}
	}
	return Environment{Name: name}, false
}

func (d *decoder) environments(top *object, signing *Signing) []Environment {
	f, ok := top.fields["environments"]
	if !ok || isNull(f.val) {
		return nil
	}
	if f.val.Kind != yaml.MappingNode {
		d.report(f.val, "environments", "must be a mapping of environment names to {context, namespace}, got %s", describe(f.val))
		return nil
	}
	var envs []Environment
	written := map[string]*yaml.Node{} // where namespaces and preview templates were written
	for _, ef := range d.fields(f.val, "environments", true) {
		path := join("environments", ef.name)
		d.check(ef.key, path, environmentNameProblem(ef.name))
		env := Environment{Name: ef.name}
		if !isNull(ef.val) {
			o := d.object(ef.key, ef.val, path, environmentKeys.names()...)
			if o == nil {
				continue
			}
			env.Context, _ = d.str(o, "context", false)
			ns, at := d.str(o, "namespace", false)
			d.check(at, join(path, "namespace"), namespaceProblem(ns))
			env.Namespace = ns
			env.RequireSignatures = d.requireSignatures(o, signing)
			env.Protected = d.protected(o)
			env.Canary = d.canary(o)
			if env.Preview = d.preview(o); env.Preview != nil {
				written["preview:"+ef.name] = o.fields["preview"].key
			}
			if ns != "" {
				written[ef.name] = o.fields["namespace"].val
			}
		}
		envs = append(envs, env)
	}
	d.previews(envs, written)
	return envs
}

func environmentNameProblem(name string) string {
	if len(name) > 63 || !dnsLabel.MatchString(name) {
		return "environment name must be a DNS-1123 label (lowercase letters, digits and '-', at most 63); it names the overlay k8s/overlays/<name>"
	}
	return ""
}

func namespaceProblem(ns string) string {
	if len(ns) > 63 || !dnsLabel.MatchString(ns) {
		return fmt.Sprintf("%q is not a Kubernetes namespace name: lowercase letters, digits and '-', at most 63", ns)
	}
	return ""
}

// ValidateEnvironmentName reports whether name may name an environment,
// for names given elsewhere than in the manifest.
func ValidateEnvironmentName(name string) error {
	if p := environmentNameProblem(name); p != "" {
		return fmt.Errorf("%q: %s", name, p)
	}
	return nil
}
