package skaffold

import (
	"fmt"
	"path"
	"strings"

	"gopkg.in/yaml.v3"
)

var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// kustomizeFiles gathers the files the kustomization in dir needs: the
// kustomization itself and every local file and folder it names, folders
// followed as kustomizations in turn. Remote resources stay as written.
func kustomizeFiles(t tree, dir string, into map[string][]byte) error {
	dir = path.Clean(dir)
	name, data := "", []byte(nil)
	for _, n := range kustomizationNames {
		p := path.Join(dir, n)
		if b, err := t.read(p); err == nil {
			name, data = p, b
			break
		}
	}
	if name == "" {
		return fmt.Errorf("%s holds no kustomization.yaml", dir)
	}
	if _, done := into[name]; done {
		return nil
	}
	into[name] = data
	var k map[string]any
	if err := yaml.Unmarshal(data, &k); err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	for _, ref := range kustomizeRefs(k) {
		if strings.Contains(ref, "://") || strings.Contains(ref, "\n") || strings.HasPrefix(ref, "github.com/") {
			continue
		}
		p := path.Join(dir, ref)
		switch {
		case p == ".." || strings.HasPrefix(p, "../"):
			return fmt.Errorf("%s names %s, outside the repository", name, ref)
		case t.isDir(p):
			if err := kustomizeFiles(t, p, into); err != nil {
				return err
			}
		default:
			b, err := t.read(p)
			if err != nil {
				return fmt.Errorf("%s names %s: %w", name, ref, err)
			}
			into[p] = b
		}
	}
	return nil
}

// kustomizeRefs lists the paths a kustomization names.
func kustomizeRefs(k map[string]any) []string {
	var out []string
	add := func(v any) {
		if s, ok := v.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	list := func(v any) []any { l, _ := v.([]any); return l }
	for _, key := range []string{"resources", "bases", "components", "crds", "generators", "transformers", "validators", "patchesStrategicMerge", "configurations"} {
		for _, v := range list(k[key]) {
			add(v)
		}
	}
	for _, key := range []string{"patches", "patchesJson6902", "replacements"} {
		for _, v := range list(k[key]) {
			if m, ok := v.(map[string]any); ok {
				add(m["path"])
			}
		}
	}
	for _, key := range []string{"configMapGenerator", "secretGenerator"} {
		for _, v := range list(k[key]) {
			m, _ := v.(map[string]any)
			for _, f := range list(m["files"]) {
				if s, ok := f.(string); ok {
					_, file, found := strings.Cut(s, "=")
					if !found {
						file = s
					}
					add(file)
				}
			}
			for _, e := range list(m["envs"]) {
				add(e)
			}
			add(m["env"])
		}
	}
	if m, ok := k["openapi"].(map[string]any); ok {
		add(m["path"])
	}
	return out
}
