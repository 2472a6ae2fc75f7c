package skaffold

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// build reads build: its artifacts, and the platforms set for all of them.
func (r reporter) build(n *yaml.Node) []Artifact {
	var arts []Artifact
	var platforms []string
	for _, p := range pairs(n) {
		switch k := p.key.Value; k {
		case "artifacts":
			for _, it := range items(p.val) {
				arts = append(arts, r.artifact(it))
			}
		case "platforms":
			platforms = values(strs(p.val))
		case "tagPolicy":
			r.note(p.key, "build.tagPolicy", "x-platform tags images with the commit SHA and the branch")
		case "local", "googleCloudBuild", "cluster":
			r.note(p.key, "build."+k, "x-platform builds on BuildKit: the Docker engine's, or the builders: of x-platform.yml")
		case "insecureRegistries":
			r.skip(p.key, "build.insecureRegistries", "list them in insecureRegistries: of x-platform.yml")
		default:
			r.skip(p.key, "build."+k, "x-platform has no equivalent")
		}
	}
	for i := range arts {
		if len(arts[i].Platforms) == 0 {
			arts[i].Platforms = platforms
		}
	}
	return arts
}

func (r reporter) artifact(n *yaml.Node) Artifact {
	a := Artifact{Image: str(get(n, "image")), Line: n.Line, Context: "."}
	what := "artifact " + a.Image
	for _, p := range pairs(n) {
		switch k := p.key.Value; k {
		case "image":
		case "context":
			a.Context = str(p.val)
		case "docker":
			r.docker(p.val, &a, what)
		case "requires":
			for _, it := range items(p.val) {
				a.Deps = append(a.Deps, Dep{Image: str(get(it, "image")), Alias: str(get(it, "alias")), Line: it.Line})
			}
		case "platforms":
			a.Platforms = values(strs(p.val))
		default:
			if builders[k] {
				a.Builder = k
				r.skip(p.key, what+": "+k, "x-platform builds images with Dockerfiles: add one to "+a.Context+" and a service for it")
				continue
			}
			r.skip(p.key, what+": "+k, reason(k, "x-platform has no equivalent"))
		}
	}
	return a
}

func (r reporter) docker(n *yaml.Node, a *Artifact, what string) {
	for _, p := range pairs(n) {
		switch k := p.key.Value; k {
		case "dockerfile":
			a.Dockerfile = str(p.val)
		case "target":
			a.Target = str(p.val)
		case "buildArgs":
			for _, arg := range pairs(p.val) {
				v := arg.val
				switch {
				case v.Tag == "!!null":
					r.skip(arg.key, what+": build arg "+arg.key.Value, "a build arg without a value is taken from Skaffold's environment: give it a value in docker.buildArgs")
				case strings.Contains(v.Value, "{{"):
					r.skip(arg.key, what+": build arg "+arg.key.Value, "templates of environment variables are not expanded: give it a value in docker.buildArgs")
				default:
					a.BuildArgs = append(a.BuildArgs, Arg{arg.key.Value, v.Value, arg.key.Line})
				}
			}
		case "secrets":
			r.skip(p.key, what+": docker.secrets", "list them in the service's secrets: of x-platform.yml")
		default:
			r.skip(p.key, what+": docker."+k, "x-platform has no equivalent")
		}
	}
}

// manifests reads a manifests: section (Skaffold v3 and later).
func (r reporter) manifests(n *yaml.Node, m *Manifests, where string) {
	for _, p := range pairs(n) {
		switch k := p.key.Value; k {
		case "rawYaml":
			m.Raw = append(m.Raw, strs(p.val)...)
		case "kustomize":
			r.kustomize(p.val, m, where)
		default:
			r.skip(p.key, where+"."+k, reason(k, "x-platform deploys kustomize overlays"))
		}
	}
}

func (r reporter) kustomize(n *yaml.Node, m *Manifests, where string) {
	for _, p := range pairs(n) {
		if p.key.Value == "paths" {
			m.Kustomize = append(m.Kustomize, strs(p.val)...)
			continue
		}
		r.skip(p.key, where+".kustomize."+p.key.Value, "x-platform renders kustomize folders as they are")
	}
}

// deploy reads deploy:, which in Skaffold v2 also names the manifests.
func (r reporter) deploy(n *yaml.Node, m *Manifests, where string) {
	for _, p := range pairs(n) {
		switch k := p.key.Value; k {
		case "kubectl":
			for _, q := range pairs(p.val) {
				if q.key.Value == "manifests" {
					m.Raw = append(m.Raw, strs(q.val)...)
					continue
				}
				r.note(q.key, where+".kubectl."+q.key.Value, "x-platform applies the overlay itself, with server-side apply")
			}
			if p.val.Kind != yaml.MappingNode || len(p.val.Content) == 0 {
				r.note(p.key, where+".kubectl", "x-platform applies the overlay itself, with server-side apply")
			}
		case "kustomize":
			r.kustomize(p.val, m, where)
		case "statusCheck", "statusCheckDeadlineSeconds", "tolerateFailuresUntilDeadline", "kubeContext", "logs":
			r.note(p.key, where+"."+k, "x-platform tracks every object to ready; the environment's context: names the cluster")
		default:
			r.skip(p.key, where+"."+k, reason(k, "x-platform deploys kustomize overlays"))
		}
	}
}

func (r reporter) profile(n *yaml.Node) Profile {
	pr := Profile{Name: str(get(n, "name")), Line: n.Line}
	where := "profile " + pr.Name
	for _, p := range pairs(n) {
		switch k := p.key.Value; k {
		case "name":
		case "manifests":
			r.manifests(p.val, &pr.Manifests, where+": manifests")
		case "deploy":
			r.deploy(p.val, &pr.Manifests, where+": deploy")
		default:
			r.skip(p.key, where+": "+k, reason(k, "x-platform has no equivalent"))
		}
	}
	return pr
}

func values(in []At) []string {
	var out []string
	for _, a := range in {
		out = append(out, a.Value)
	}
	return out
}
