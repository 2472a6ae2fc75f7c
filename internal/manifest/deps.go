package manifest

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// imageRef is the one template build args may hold: the exact image, by
// digest, of another service of the manifest.
var imageRef = regexp.MustCompile(`\{\{\s*image\s+"([^"]*)"\s*\}\}`)

// ImageRefs lists the services a build arg value names with
// {{ image "name" }}.
func ImageRefs(value string) []string {
	var names []string
	for _, m := range imageRef.FindAllStringSubmatch(value, -1) {
		names = append(names, m[1])
	}
	return names
}

// ExpandImages replaces each {{ image "name" }} in value with image(name).
func ExpandImages(value string, image func(name string) string) string {
	return imageRef.ReplaceAllStringFunc(value, func(m string) string {
		return image(imageRef.FindStringSubmatch(m)[1])
	})
}

// imageDeps records the services s's build args depend on and where each
// is first named; it reports templates other than {{ image "name" }}.
func (d *decoder) imageDeps(k *object, s *Service) map[string]*yaml.Node {
	f, ok := k.fields["buildArgs"]
	if !ok || f.val.Kind != yaml.MappingNode {
		return nil
	}
	at := map[string]*yaml.Node{}
	path := join(k.path, "buildArgs")
	for _, kv := range d.fields(f.val, path, true) {
		if kv.val.Kind != yaml.ScalarNode {
			continue
		}
		rest := imageRef.ReplaceAllString(kv.val.Value, "")
		if strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
			d.report(kv.val, join(path, kv.name), `unsupported template: the only one is {{ image "service" }}`)
			continue
		}
		for _, name := range ImageRefs(kv.val.Value) {
			if _, seen := at[name]; !seen {
				at[name] = kv.val
				s.Deps = append(s.Deps, name)
			}
		}
	}
	return at
}

// dependencies reports image templates naming unknown services, or the
// service itself, and dependency cycles, printing the cycle.
func (d *decoder) dependencies(all []placed) {
	byName := map[string]placed{}
	for _, p := range all {
		byName[p.svc.Name] = p
	}
	key := func(p placed) string { return join("services", p.svc.Name) + ".docker.buildArgs" }
	known := true
	for _, p := range all {
		for _, dep := range p.svc.Deps {
			if _, ok := byName[dep]; !ok {
				d.report(p.depAt[dep], key(p), "{{ image %q }} names no service of this manifest", dep)
				known = false
			}
		}
	}
	if !known {
		return
	}
	const (
		unvisited = iota
		active
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(name string) bool
	visit = func(name string) bool {
		state[name] = active
		stack = append(stack, name)
		p := byName[name]
		for _, dep := range p.svc.Deps {
			switch state[dep] {
			case active:
				i := indexOf(stack, dep)
				cycle := append(append([]string(nil), stack[i:]...), dep)
				d.report(p.depAt[dep], key(p), "dependency cycle: %s", strings.Join(cycle, " → "))
				return false
			case unvisited:
				if !visit(dep) {
					return false
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[name] = done
		return true
	}
	for _, p := range all {
		if state[p.svc.Name] == unvisited && !visit(p.svc.Name) {
			return
		}
	}
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func subpathProblem(p string) string {
	switch {
	case p == "":
		return ""
	case strings.HasPrefix(p, "/") || strings.Contains(p, `\`):
		return "must be a relative, slash-separated path inside the repository"
	case escapes(path.Clean(p)):
		return fmt.Sprintf("must stay inside the repository, but %s leaves it", p)
	}
	return ""
}
