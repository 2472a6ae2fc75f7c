package scaffold

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/x-platform/x-platform/internal/atomicfile"
	"github.com/x-platform/x-platform/internal/manifest"
)

// kubeObjects says whether data holds Kubernetes objects (YAML documents
// with apiVersion and kind; kustomizations aside, and namespaces, which
// the overlay sets) and whether one of them is
// a workload: a Deployment, StatefulSet or DaemonSet.
func kubeObjects(data []byte) (objects, workload bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string `yaml:"kind"`
		}
		if err := dec.Decode(&doc); err != nil {
			// A file that is not YAML all through is not taken.
			return objects && errors.Is(err, io.EOF), workload && errors.Is(err, io.EOF)
		}
		if doc.APIVersion == "" || doc.Kind == "" || doc.Kind == "Kustomization" || doc.Kind == "Component" || doc.Kind == "Namespace" {
			continue
		}
		objects = true
		workload = workload || slices.Contains([]string{"Deployment", "StatefulSet", "DaemonSet"}, doc.Kind)
	}
}

// Files are the files a platform is made of, by path relative to Root.
type Files map[string][]byte

// Make writes the files of a platform of repos: the manifest (checked by
// the manifest's own loader first), a kustomize base per service that has
// Kubernetes workloads and one overlay of them all, and a .gitignore.
func Make(repos []Repo, o Options) (Files, error) {
	files := Files{}
	var kube []string
	for _, r := range repos {
		if len(r.Kube) == 0 {
			continue
		}
		kube = append(kube, r.Name)
		var resources []string
		for _, p := range slices.Sorted(maps.Keys(r.Kube)) {
			name := strings.ReplaceAll(strings.TrimSuffix(strings.TrimSuffix(p, ".yml"), ".yaml"), "/", "-") + ".yaml"
			files["k8s/base/"+r.Name+"/"+name] = r.Kube[p]
			resources = append(resources, name)
		}
		files["k8s/base/"+r.Name+"/kustomization.yaml"] = Kustomization("", resources)
	}
	if len(kube) > 0 {
		var resources []string
		for _, n := range kube {
			resources = append(resources, "../../base/"+n)
		}
		files["k8s/overlays/"+o.Env+"/kustomization.yaml"] = Kustomization(o.Env, resources)
	}
	files[manifest.FileName] = manifestText(repos, o, len(kube) > 0)
	if _, err := manifest.Parse(filepath.Join(o.Root, manifest.FileName), files[manifest.FileName]); err != nil {
		return nil, fmt.Errorf("checking the manifest written: %w", err)
	}
	var dirs []string
	for _, r := range repos {
		dirs = append(dirs, r.Dir)
	}
	files[".gitignore"] = Gitignore(dirs)
	return files, nil
}

// Kustomization is a kustomization of resources, setting namespace
// unless it is "".
func Kustomization(namespace string, resources []string) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n")
	if namespace != "" {
		fmt.Fprintf(&b, "namespace: %s\n", namespace)
	}
	b.WriteString("resources:\n")
	for _, r := range resources {
		fmt.Fprintf(&b, "- %s\n", Quote(r))
	}
	return []byte(b.String())
}

func manifestText(repos []Repo, o Options, kube bool) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# yaml-language-server: $schema=%s\n", manifest.SchemaID)
	b.WriteString("# One service per repository, each at its default branch; docs/manifest.md\n# of x-platform describes every key.\n")
	fmt.Fprintf(&b, "version: %d\nregistry: %s\nservices:\n", manifest.Version, Quote(o.Registry))
	for _, r := range repos {
		fmt.Fprintf(&b, "  %s:\n    dir: %s\n    git:\n      remote: %s\n      reference: %s\n", r.Name, Quote(r.Dir), Quote(r.Remote), Quote("origin/"+r.Branch))
		if !r.Dockerfile {
			b.WriteString("    # No Dockerfile at the repository's root: add one, set docker.dockerfile,\n    # or add dockerBuilder and scripts.\n")
		}
		fmt.Fprintf(&b, "    docker:\n      image: %s\n", r.Name)
	}
	if kube {
		fmt.Fprintf(&b, "environments:\n  %s:\n    namespace: %s\n", o.Env, o.Env)
	}
	return []byte(b.String())
}

// Gitignore keeps x-platform's state folder and the checkouts, in dirs,
// out of git.
func Gitignore(dirs []string) []byte {
	lines := []string{"/.x-platform/"}
	for _, d := range dirs {
		top, _, _ := strings.Cut(d, "/")
		if l := "/" + top + "/"; !slices.Contains(lines, l) {
			lines = append(lines, l)
		}
	}
	return []byte("# x-platform's state and the services' checkouts\n" + strings.Join(lines, "\n") + "\n")
}

var plain = regexp.MustCompile(`^[A-Za-z0-9_./@+-][A-Za-z0-9_./@:+-]*$`)

// Quote writes s as a YAML scalar: plain when that reads back as the same
// string, else double-quoted (a JSON string is one).
func Quote(s string) string {
	if plain.MatchString(s) && !strings.Contains(s, ": ") {
		var back any
		if yaml.Unmarshal([]byte(s), &back) == nil && back == s {
			return s
		}
	}
	q, _ := jsonString(s)
	return q
}

// Write writes files under root, refusing, unless force, when any of them
// exists: it names them all and writes none.
func Write(root string, files Files, force bool) ([]string, error) {
	names := slices.Sorted(maps.Keys(files))
	if !force {
		var exist []string
		for _, n := range names {
			if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(n))); err == nil {
				exist = append(exist, n)
			}
		}
		if len(exist) > 0 {
			verb := "exists"
			if len(exist) > 1 {
				verb = "exist"
			}
			return nil, &UsageError{fmt.Sprintf("%s already %s in %s: nothing was written; move them aside, or pass --overwrite to overwrite them", strings.Join(exist, ", "), verb, root)}
		}
	}
	for _, n := range names {
		p := filepath.Join(root, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, fmt.Errorf("making %s: %w", path.Dir(n), err)
		}
		if err := atomicfile.Write(p, files[n], 0o644); err != nil {
			return nil, fmt.Errorf("writing %s: %w", n, err)
		}
	}
	return names, nil
}
