package skaffold

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Config is one document of a skaffold.yaml: what it builds, what it
// deploys, which other configs it needs and its profiles.
type Config struct {
	Name      string
	Line      int
	Artifacts []Artifact
	Requires  []Require
	Manifests Manifests
	Profiles  []Profile
}

// Manifests are the Kubernetes files a config deploys: plain YAML (globs)
// and kustomize folders, relative to the config's folder.
type Manifests struct {
	Raw       []At
	Kustomize []At
}

func (m Manifests) empty() bool { return len(m.Raw) == 0 && len(m.Kustomize) == 0 }

// Artifact is an image Skaffold builds with docker.
type Artifact struct {
	Image      string
	Line       int
	Context    string
	Dockerfile string
	Target     string
	BuildArgs  []Arg
	// Deps are the artifacts whose images this one's build args name.
	Deps      []Dep
	Platforms []string
	// Builder names the builder Skaffold uses instead of docker
	// (buildpacks, jib, …); such an artifact is not converted.
	Builder string
}

// Arg is a build arg; Template says its value is expanded by Skaffold.
type Arg struct {
	Name, Value string
	Line        int
}

// Dep is an artifact dependency: the image of Image as build arg Alias.
type Dep struct {
	Image, Alias string
	Line         int
}

// Require names other configs: by name, in a file (Path) of this tree or
// of a git repository.
type Require struct {
	Configs []string
	Path    string
	Git     *GitRequire
	Line    int
}

// GitRequire is a config in a remote repository.
type GitRequire struct{ Repo, Path, Ref string }

// Profile is a named variant; those with manifests become environments.
type Profile struct {
	Name      string
	Line      int
	Manifests Manifests
}

// ConfigError says a file is not a Skaffold config this package reads.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string    { return e.Msg }
func (e *ConfigError) UsageError() bool { return true }

var apiVersion = regexp.MustCompile(`^skaffold/v(\d+)`)

// Parse reads every document of a skaffold.yaml; file names it in reports.
func Parse(file string, data []byte, unconverted, notes *[]Item) ([]Config, error) {
	r := reporter{file, unconverted, notes}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []Config
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, &ConfigError{fmt.Sprintf("%s: not YAML: %v", file, err)}
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if err := checkVersion(file, root); err != nil {
			return nil, err
		}
		out = append(out, r.config(root))
	}
	if len(out) == 0 {
		return nil, &ConfigError{fmt.Sprintf("%s holds no Skaffold config", file)}
	}
	return out, nil
}

func checkVersion(file string, root *yaml.Node) error {
	v, kind := get(root, "apiVersion"), str(get(root, "kind"))
	m := apiVersion.FindStringSubmatch(str(v))
	if m == nil || kind != "Config" {
		return &ConfigError{fmt.Sprintf("%s:%d: not a Skaffold config (apiVersion skaffold/v…, kind Config)", file, root.Line)}
	}
	if major, _ := strconv.Atoi(m[1]); major < 2 {
		return &ConfigError{fmt.Sprintf("%s:%d: apiVersion %s is older than skaffold/v2: run `skaffold fix --overwrite` first, then import again", file, v.Line, v.Value)}
	}
	return nil
}

// why explains the keys that are reported rather than converted.
var why = map[string]string{
	"portForward":      "x-platform forwards no ports",
	"test":             "container structure tests are not run; post-deploy tests (tests: in x-platform.yml) may replace them",
	"verify":           "verification containers are not run; post-deploy tests (tests: in x-platform.yml) may replace them",
	"resourceSelector": "x-platform sets images in every workload kustomize knows",
	"customActions":    "x-platform runs no custom actions",
	"sync":             "x-platform copies no files into running containers",
	"hooks":            "x-platform runs no hooks",
	"helm":             "x-platform deploys kustomize overlays: render the chart (helm template) into k8s/",
	"kpt":              "x-platform deploys kustomize overlays",
	"activation":       "environments are chosen with --env",
	"patches":          "profile patches are not applied: edit the services or environments they change",
	"build":            "a profile's build changes are not converted",
}

// builders are the artifact types other than docker: x-platform builds
// with Dockerfiles.
var builders = map[string]bool{"buildpacks": true, "jib": true, "bazel": true, "ko": true, "custom": true, "kaniko": true}

func (r reporter) config(root *yaml.Node) Config {
	c := Config{Line: root.Line}
	for _, p := range pairs(root) {
		switch k := p.key.Value; k {
		case "apiVersion", "kind":
		case "metadata":
			c.Name = str(get(p.val, "name"))
		case "requires":
			c.Requires = r.requires(p.val)
		case "build":
			c.Artifacts = r.build(p.val)
		case "manifests":
			r.manifests(p.val, &c.Manifests, "manifests")
		case "deploy":
			r.deploy(p.val, &c.Manifests, "deploy")
		case "profiles":
			for _, n := range items(p.val) {
				c.Profiles = append(c.Profiles, r.profile(n))
			}
		default:
			r.skip(p.key, k, reason(k, "x-platform has no equivalent"))
		}
	}
	return c
}

func reason(key, otherwise string) string {
	if w, ok := why[key]; ok {
		return w
	}
	return otherwise
}

func (r reporter) requires(n *yaml.Node) []Require {
	var out []Require
	for _, it := range items(n) {
		q := Require{Line: it.Line}
		for _, p := range pairs(it) {
			switch k := p.key.Value; k {
			case "configs":
				for _, s := range strs(p.val) {
					q.Configs = append(q.Configs, s.Value)
				}
			case "path":
				q.Path = str(p.val)
			case "git":
				q.Git = &GitRequire{Repo: str(get(p.val, "repo")), Path: str(get(p.val, "path")), Ref: str(get(p.val, "ref"))}
			case "activeProfiles":
				r.skip(p.key, "requires.activeProfiles", "profiles of required configs are not activated: their environments are imported alongside")
			default:
				r.skip(p.key, "requires."+k, "x-platform has no equivalent")
			}
		}
		out = append(out, q)
	}
	return out
}
