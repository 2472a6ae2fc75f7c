package manifest

import (
	"path/filepath"
	"slices"

	"gopkg.in/yaml.v3"
)

// placed keeps where a service's values were written, for the checks that
// compare services with each other.
type placed struct {
	svc            *Service
	dirAt, imageAt *yaml.Node
	// realDir is dir relative to the manifest's folder with its links
	// resolved, so that two spellings of one folder compare equal.
	realDir string
	// depAt is where each dependency was first named.
	depAt map[string]*yaml.Node
}

func (d *decoder) manifest(root *yaml.Node, m *Manifest) {
	top := d.object(root, root, "", topKeys.names()...)
	if top == nil {
		return
	}
	m.Version = d.version(top)
	m.Builders = d.builders(top, m.Root)
	m.Signing = d.signing(top, m.Root)
	m.Environments = d.environments(top, m.Signing)
	m.Cleanup = d.cleanup(top)
	m.Pull = d.boolean(top, "pull")
	// Loopback registries need no entry.
	m.InsecureRegistries = d.list(top, "insecureRegistries", "registry hosts (host or host:port)", insecureRegistryProblem)
	if reg, at := d.str(top, "registry", false); at != nil {
		if p := registryProblem(reg); p != "" {
			d.report(at, "registry", "%s", p)
		} else {
			m.Registry = reg
		}
	}
	f, ok := top.fields["services"]
	switch {
	case !ok:
		d.report(root, "services", "required key is missing; the manifest needs at least one service")
		return
	case isNull(f.val) || f.val.Kind == yaml.MappingNode && len(f.val.Content) == 0:
		d.report(f.key, "services", "must list at least one service")
		return
	case f.val.Kind != yaml.MappingNode:
		d.report(f.val, "services", "must be a mapping of service names to services, got %s", describe(f.val))
		return
	}
	m.Depth, m.NoCheckout = d.gitDefaults(top)
	var all []placed
	for _, sf := range d.fields(f.val, "services", true) {
		if p, ok := d.service(sf, m.Root, Git{Depth: m.Depth, NoCheckout: m.NoCheckout}); ok {
			m.Services = append(m.Services, p.svc)
			all = append(all, p)
		}
	}
	d.compare(all, m.Registry)
	d.dependencies(all)
	m.Tests = d.tests(top, m)
	m.Vulnerabilities = d.vulnerabilities(top, m)
	d.checkCanaryGates(m)
}

func (d *decoder) service(f field, root string, defaults Git) (placed, bool) {
	path := join("services", f.name)
	if p := serviceNameProblem(f.name); p != "" {
		d.report(f.key, path, "%s", p)
	}
	if isNull(f.val) {
		d.report(f.key, path, "must not be empty; a service needs dir, git and docker")
		return placed{}, false
	}
	o := d.object(f.key, f.val, path, serviceKeys.names()...)
	if o == nil {
		return placed{}, false
	}
	s := &Service{Name: f.name}
	p := placed{svc: s}

	dir, at := d.str(o, "dir", true)
	dirOK := at != nil
	if dirOK {
		problem := dirProblem(dir)
		switch {
		case problem == "" && d.lexical:
			p.realDir = filepath.ToSlash(filepath.Clean(dir))
		case problem == "":
			p.realDir, problem = resolvedDir(root, dir)
		}
		if problem != "" {
			d.report(at, join(path, "dir"), "%s", problem)
			dirOK = false
		} else {
			p.dirAt = at
		}
	}
	s.Dir, s.AbsDir = dir, filepath.Join(root, dir)

	srcDir := dir
	s.Git = defaults
	if g := d.child(o, "git", true, gitKeys.names()...); g != nil {
		d.serviceGit(g, &s.Git)
		s.Git.Remote, _ = d.str(g, "remote", true)
		s.Git.URL = remoteURL(root, s.Git.Remote)
		ref, at := d.str(g, "reference", true)
		d.check(at, join(g.path, "reference"), gitReferenceProblem(ref))
		s.Git.Reference = ref
		if sub, at := d.str(g, "path", false); d.check(at, join(g.path, "path"), subpathProblem(sub)) {
			s.Git.Path = filepath.ToSlash(filepath.Clean(sub))
			if s.Git.Path == "." {
				s.Git.Path = ""
			}
			srcDir = filepath.Join(dir, sub)
		}
	}

	if b := d.child(o, "dockerBuilder", false, builderKeys.names()...); b != nil {
		image, at := d.str(b, "image", true)
		d.check(at, join(b.path, "image"), builderImageProblem(image))
		workdir, at := d.str(b, "workdir", true)
		workdirOK := d.check(at, join(b.path, "workdir"), workdirProblem(workdir))
		s.DockerBuilder = Builder{Image: image, Workdir: workdir, Env: d.stringMap(b, "env", envNameProblem)}
		caches := d.items(b, "caches", "absolute paths inside the builder image", cacheProblem)
		if workdirOK {
			caches = slices.DeleteFunc(caches, func(c item) bool {
				return !d.check(c.at, c.key, cacheOverWorkdir(c.value, workdir))
			})
		}
		s.DockerBuilder.Caches = d.unique(caches)
	}

	s.Docker = Docker{Dockerfile: "Dockerfile", Context: "."}
	if k := d.child(o, "docker", true, dockerKeys.names()...); k != nil {
		image, at := d.str(k, "image", true)
		if d.check(at, join(k.path, "image"), repositoryProblem(image)) {
			p.imageAt = at
		}
		s.Docker.Image = image
		for _, rel := range []struct {
			name string
			dst  *string
		}{{"dockerfile", &s.Docker.Dockerfile}, {"context", &s.Docker.Context}} {
			v, at := d.str(k, rel.name, false)
			if at == nil {
				continue
			}
			*rel.dst = v
			if dirOK {
				d.check(at, join(k.path, rel.name), insideProblem(srcDir, v))
			}
		}
		s.Docker.Target, _ = d.str(k, "target", false)
		s.Docker.BuildArgs = d.stringMap(k, "buildArgs", argNameProblem)
		s.Docker.Platforms = d.platforms(k)
		p.depAt = d.imageDeps(k, s)
	}

	if sc := d.child(o, "scripts", false, scriptKeys.names()...); sc != nil {
		if b, ok := o.fields["dockerBuilder"]; !ok || isNull(b.val) {
			d.report(o.fields["scripts"].key, join(path, "scripts"), "scripts run in a builder image: add dockerBuilder (image, workdir), or remove scripts to build with the Dockerfile alone")
		}
		s.Scripts = Scripts{Build: d.list(sc, "build", "strings", nil), Test: d.list(sc, "test", "strings", nil)}
		s.Scripts.Reports = d.unique(d.items(sc, "reports", "paths relative to the service's folder", reportProblem))
	}
	s.Secrets = d.secrets(o, root)
	s.Timeout = d.timeout(o)
	return p, true
}

// check reports problem at n when both are set, and says whether the
// value at n is valid.
func (d *decoder) check(n *yaml.Node, key, problem string) bool {
	if n == nil {
		return false
	}
	if problem != "" {
		d.report(n, key, "%s", problem)
		return false
	}
	return true
}

// compare checks what no service can see alone: two services syncing into
// the same or nested folders, or pushing to the same image.
func (d *decoder) compare(all []placed, registry string) {
	for i, b := range all {
		for _, a := range all[:i] {
			if a.dirAt != nil && b.dirAt != nil {
				d.compareDirs(a, b)
			}
			if a.imageAt != nil && b.imageAt != nil && a.svc.Docker.Image == b.svc.Docker.Image {
				d.report(b.imageAt, join("services", b.svc.Name)+".docker.image",
					"same image as service %s (line %d)", a.svc.Name, a.imageAt.Line)
			}
		}
		if b.imageAt != nil {
			d.check(b.imageAt, join("services", b.svc.Name)+".docker.image", imageNameProblem(registry, b.svc.Docker.Image))
		}
	}
}

func (d *decoder) compareDirs(a, b placed) {
	da, db := filepath.FromSlash(a.realDir), filepath.FromSlash(b.realDir)
	key := join("services", b.svc.Name) + ".dir"
	switch {
	case da == db && a.svc.Git.URL == b.svc.Git.URL && a.svc.Git.Reference == b.svc.Git.Reference:
		// Services of one repository share its checkout (monorepo); git.path
		// tells them apart.
		if a.svc.Git.Path == b.svc.Git.Path {
			d.report(b.dirAt, key, "same dir and git.path as service %s (line %d): give each service its own git.path", a.svc.Name, a.dirAt.Line)
		}
	case da == db && a.svc.Git.URL == b.svc.Git.URL:
		d.report(b.dirAt, key, "same checkout as service %s (line %d) but another git.reference (%s, not %s): one checkout holds one commit",
			a.svc.Name, a.dirAt.Line, b.svc.Git.Reference, a.svc.Git.Reference)
	case da == db:
		d.report(b.dirAt, key, "same dir as service %s (line %d)", a.svc.Name, a.dirAt.Line)
	case within(db, da):
		d.report(b.dirAt, key, "%s is inside the dir of service %s (line %d)", db, a.svc.Name, a.dirAt.Line)
	case within(da, db):
		d.report(b.dirAt, key, "%s holds the dir of service %s (line %d)", db, a.svc.Name, a.dirAt.Line)
	}
}

// within says whether the cleaned relative path inner lies below outer.
func within(inner, outer string) bool {
	rel, err := filepath.Rel(outer, inner)
	return err == nil && rel != "." && !escapes(filepath.ToSlash(rel))
}
