package skaffold

import (
	"context"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/scaffold"
)

// Options say which skaffold.yaml to import and where to write.
type Options struct {
	// File is the skaffold.yaml.
	File string
	// Root is the platform folder the files are written in.
	Root string
	// Registry is the manifest's registry.
	Registry string
	// Env names the environment of the configs' own manifests; each profile
	// with manifests of its own becomes another.
	Env string
}

// Service is an artifact made a service.
type Service struct {
	Name      string
	Image     string
	Remote    string
	Reference string
	Path      string
	Dir       string
	// From is the artifact's image as Skaffold names it.
	From       string
	Dockerfile string
	Target     string
	BuildArgs  []Arg
	Platforms  []string
}

// Environment is an overlay made of configs' manifests or a profile's.
type Environment struct {
	Name string
	// Profile is the Skaffold profile it comes from; "" for the configs'
	// own manifests.
	Profile   string
	Resources []string
}

// Result is a platform made of a skaffold.yaml.
type Result struct {
	Services     []Service
	Environments []Environment
	Files        scaffold.Files
	// Unconverted lists what has no equivalent here, Notes what x-platform
	// does its own way.
	Unconverted, Notes []Item
}

// Import reads o.File and the configs it requires and makes a platform of
// them: a service per docker artifact, kustomize bases and overlays of the
// manifests, an environment per profile with manifests of its own.
func Import(ctx context.Context, remotes Remotes, o Options) (*Result, error) {
	file, err := filepath.Abs(o.File)
	if err != nil {
		return nil, fmt.Errorf("finding %s: %w", o.File, err)
	}
	if _, err := filepath.EvalSymlinks(file); err != nil {
		return nil, &ConfigError{fmt.Sprintf("reading %s: %v", o.File, err)}
	}
	l := &loader{ctx: ctx, remotes: remotes, root: o.Root, repos: map[string]*repo{}, names: map[string]bool{}, parsed: map[string][]Config{}, taken: map[string]bool{}}
	local, rel, err := l.localRepo(file)
	if err != nil {
		return nil, err
	}
	fail := func(what, why string) error { return &ConfigError{fmt.Sprintf("%s: %s", what, why)} }
	var first error
	err = l.load(local, rel, nil, func(what, why string) {
		if first == nil {
			first = fail(o.File, why)
		}
	})
	if err == nil {
		err = first
	}
	if err != nil {
		return nil, err
	}
	c := &converter{o: o, res: &Result{Files: scaffold.Files{}, Unconverted: l.unconverted, Notes: l.notes}, images: map[string]string{}, names: map[string]bool{}, bases: map[string]bool{}}
	c.services(l.configs)
	if len(c.res.Services) == 0 {
		return nil, &ConfigError{fmt.Sprintf("%s has no docker artifact to make a service of (%d parts not converted)", o.File, len(c.res.Unconverted))}
	}
	c.environments(l.configs)
	if err := c.write(); err != nil {
		return nil, err
	}
	byPlace(c.res.Unconverted)
	byPlace(c.res.Notes)
	return c.res, nil
}

type converter struct {
	o      Options
	res    *Result
	images map[string]string // Skaffold image → service name
	names  map[string]bool
	bases  map[string]bool
}

func (c *converter) skip(r *repo, dir string, line int, what, why string) {
	c.res.Unconverted = append(c.res.Unconverted, Item{r.show(path.Join(dir, "skaffold.yaml")), line, what, why})
}

func (c *converter) services(cfgs []loaded) {
	type pending struct {
		s    *Service
		deps []Dep
		cfg  loaded
	}
	var all []pending
	for _, cfg := range cfgs {
		for _, a := range cfg.Artifacts {
			if a.Builder != "" {
				continue
			}
			if _, dup := c.images[a.Image]; dup {
				c.skip(cfg.repo, cfg.dir, a.Line, "artifact "+a.Image, "an earlier config builds the same image")
				continue
			}
			p := path.Join(cfg.dir, a.Context)
			if p == ".." || strings.HasPrefix(p, "../") {
				c.skip(cfg.repo, cfg.dir, a.Line, "artifact "+a.Image, "its context "+a.Context+" is outside the repository")
				continue
			}
			name := scaffold.UniqueName(scaffold.NameOf(a.Image), c.names)
			c.images[a.Image] = name
			s := &Service{Name: name, Image: name, Remote: cfg.repo.remote, Reference: cfg.repo.reference, Dir: cfg.repo.dir, From: a.Image,
				Dockerfile: a.Dockerfile, Target: a.Target, BuildArgs: a.BuildArgs, Platforms: a.Platforms}
			if p != "." {
				s.Path = p
			}
			df := a.Dockerfile
			if df == "" {
				df = "Dockerfile"
			}
			if _, err := cfg.repo.t.read(path.Join(p, df)); err != nil {
				c.res.Notes = append(c.res.Notes, Item{cfg.repo.show(path.Join(cfg.dir, "skaffold.yaml")), a.Line, "artifact " + a.Image, "no " + path.Join(p, df) + " in the repository: add it before building " + name})
			}
			all = append(all, pending{s, a.Deps, cfg})
		}
	}
	for _, p := range all {
		for _, d := range p.deps {
			dep, ok := c.images[d.Image]
			if !ok || d.Alias == "" {
				c.skip(p.cfg.repo, p.cfg.dir, d.Line, "artifact "+p.s.From+": requires "+d.Image, "no docker artifact builds that image")
				continue
			}
			p.s.BuildArgs = append(p.s.BuildArgs, Arg{Name: d.Alias, Value: fmt.Sprintf("{{ image %q }}", dep)})
		}
		c.res.Services = append(c.res.Services, *p.s)
	}
}

// environments makes the overlays: o.Env of every config's own manifests,
// and one per profile with manifests, those of configs without that
// profile left as they are.
func (c *converter) environments(cfgs []loaded) {
	envs := map[string]bool{}
	base := Environment{Name: scaffold.UniqueName(c.o.Env, envs)}
	var profiles []string
	for i, cfg := range cfgs {
		base.Resources = append(base.Resources, c.resources(cfg, cfg.Manifests, baseName(cfg, i))...)
		for _, p := range cfg.Profiles {
			if !p.Manifests.empty() && !slices.Contains(profiles, p.Name) {
				profiles = append(profiles, p.Name)
			}
		}
	}
	base.Resources = unique(base.Resources)
	if len(base.Resources) > 0 {
		c.res.Environments = append(c.res.Environments, base)
	}
	for _, name := range profiles {
		env := Environment{Name: scaffold.UniqueName(scaffold.NameOf(name), envs), Profile: name}
		if err := manifest.ValidateEnvironmentName(env.Name); err != nil {
			continue
		}
		for i, cfg := range cfgs {
			m, suffix := cfg.Manifests, ""
			for _, p := range cfg.Profiles {
				if p.Name == name && !p.Manifests.empty() {
					m, suffix = p.Manifests, "-"+env.Name
				}
			}
			env.Resources = append(env.Resources, c.resources(cfg, m, baseName(cfg, i)+suffix)...)
		}
		env.Resources = unique(env.Resources)
		c.res.Environments = append(c.res.Environments, env)
	}
}

// byPlace orders items by file, in the order files were first named, then
// by line.
func byPlace(items []Item) {
	order := map[string]int{}
	for _, it := range items {
		if _, ok := order[it.File]; !ok {
			order[it.File] = len(order)
		}
	}
	slices.SortStableFunc(items, func(a, b Item) int {
		if d := order[a.File] - order[b.File]; d != 0 {
			return d
		}
		return a.Line - b.Line
	})
}

// unique keeps the first of each value, in order.
func unique(in []string) []string {
	var out []string
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func baseName(cfg loaded, i int) string {
	if cfg.Name != "" {
		return scaffold.NameOf(cfg.Name)
	}
	return fmt.Sprintf("%s-%d", cfg.repo.name, i+1)
}

// resources copies m's files into k8s/ and lists what an overlay names:
// a base of the plain YAML, and each kustomize folder.
func (c *converter) resources(cfg loaded, m Manifests, base string) []string {
	var out, raw []string
	r := cfg.repo
	for _, g := range m.Raw {
		if strings.Contains(g.Value, "://") {
			c.skip(r, cfg.dir, g.Line, "manifest "+g.Value, "remote manifests are not copied: download it into k8s/")
			continue
		}
		found := glob(r.t, path.Join(cfg.dir, g.Value))
		if len(found) == 0 {
			c.skip(r, cfg.dir, g.Line, "manifest "+g.Value, "matches no file")
		}
		raw = append(raw, found...)
	}
	if len(raw) > 0 {
		out = append(out, "../../base/"+base)
		if !c.bases[base] {
			c.bases[base] = true
			var names []string
			for _, f := range raw {
				b, _ := r.t.read(f)
				name := strings.ReplaceAll(strings.TrimSuffix(strings.TrimSuffix(f, ".yml"), ".yaml"), "/", "-") + ".yaml"
				c.res.Files["k8s/base/"+base+"/"+name] = b
				names = append(names, name)
			}
			c.res.Files["k8s/base/"+base+"/kustomization.yaml"] = scaffold.Kustomization("", names)
		}
	}
	for _, k := range m.Kustomize {
		dir := path.Join(cfg.dir, k.Value)
		files := map[string][]byte{}
		if err := kustomizeFiles(r.t, dir, files); err != nil {
			c.skip(r, cfg.dir, k.Line, "kustomize path "+k.Value, err.Error())
			continue
		}
		for p, b := range files {
			c.res.Files["k8s/skaffold/"+r.name+"/"+p] = b
		}
		out = append(out, strings.TrimSuffix("../../skaffold/"+r.name+"/"+dir, "/."))
	}
	return out
}

// write makes the manifest, the overlays and the .gitignore, and checks
// the manifest with the loader every command uses.
func (c *converter) write() error {
	for _, e := range c.res.Environments {
		c.res.Files["k8s/overlays/"+e.Name+"/kustomization.yaml"] = c.overlay(e)
	}
	text := manifestText(c.res, c.o)
	if _, err := manifest.Parse(filepath.Join(c.o.Root, manifest.FileName), text); err != nil {
		return fmt.Errorf("checking the manifest written: %w", err)
	}
	c.res.Files[manifest.FileName] = text
	var dirs []string
	for _, s := range c.res.Services {
		dirs = append(dirs, s.Dir)
	}
	c.res.Files[".gitignore"] = scaffold.Gitignore(dirs)
	return nil
}

// overlay is an environment's kustomization; images Skaffold names
// otherwise than the service are renamed so that deploys pin them.
func (c *converter) overlay(e Environment) []byte {
	b := string(scaffold.Kustomization(e.Name, e.Resources))
	var renames []string
	for _, from := range slices.Sorted(maps.Keys(c.images)) {
		if to := c.images[from]; from != to {
			renames = append(renames, fmt.Sprintf("- name: %s\n  newName: %s\n", scaffold.Quote(from), to))
		}
	}
	if len(renames) > 0 {
		b += "images:\n" + strings.Join(renames, "")
	}
	return []byte(b)
}
