package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/x-platform/x-platform/internal/image"
)

// ImagesAnnotation is set on every workload whose pod template uses a pinned
// image. Its value lists the tagged names ("registry/zbackend:<sha>") of those
// images, comma-separated, so the commit stays visible next to the digest.
const ImagesAnnotation = "x-platform.io/images"

// wrapperDir holds the generated kustomization that applies the pins on top
// of the overlay; it lives only in the in-memory copy of the tree.
const wrapperDir = ".x-platform-render"

// Image pins the image that manifests name plainly (image: zbackend) to one
// registry image by digest.
type Image struct {
	Name    string // as written in the manifests, e.g. "zbackend"
	NewName string // repository in the registry, e.g. "registry.example.com/x/zbackend"
	Tag     string // tag the digest was looked up by, e.g. the commit SHA
	Digest  string // "sha256:…"
}

// Tagged is the image's tagged name, as kept in ImagesAnnotation.
func (i Image) Tagged() image.Ref { return image.Repo(i.NewName).WithTag(i.Tag) }

// Pinned is the image's name by digest, as written into the manifests.
func (i Image) Pinned() image.Ref { return image.Repo(i.NewName).WithDigest(i.Digest) }

// Result is a rendered overlay.
type Result struct {
	// Objects in kustomize's legacy order (namespaces and CRDs first).
	Objects []*unstructured.Unstructured
	// YAML is the same objects as one multi-document stream.
	YAML []byte
	// Masked is YAML with the values of every Secret masked: what may be
	// printed.
	Masked []byte
	// Record is YAML with the values of the Secrets decrypted from SOPS
	// files masked and marked with SOPSAnnotation: what may be stored.
	Record []byte
	// FromSOPS says, for each of Objects, whether it is a Secret whose
	// values came from a SOPS file.
	FromSOPS []bool
	// Unused lists the names of pinned images that no object uses.
	Unused []string
}

// UnknownEnvError says that no overlay exists for an environment.
type UnknownEnvError struct {
	Env   string
	Dir   string   // where the overlay was looked for
	Known []string // environments that have an overlay
}

func (e *UnknownEnvError) Error() string {
	known := "none"
	if len(e.Known) > 0 {
		known = strings.Join(e.Known, ", ")
	}
	return fmt.Sprintf("unknown environment %q: %s has no kustomization (environments with an overlay: %s)", e.Env, e.Dir, known)
}

// Error is an overlay that kustomize could not build.
type Error struct {
	Env string
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("rendering overlay %s: %v", e.Env, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// OverlayDir is where the overlay of env lives below the kustomize root.
func OverlayDir(root, env string) string { return filepath.Join(root, "overlays", env) }

// Envs lists the environments that have an overlay below root, sorted.
func Envs(root string) []string {
	entries, err := os.ReadDir(filepath.Join(root, "overlays"))
	if err != nil {
		return nil
	}
	var envs []string
	for _, e := range entries {
		if e.IsDir() && hasKustomization(filepath.Join(root, "overlays", e.Name())) {
			envs = append(envs, e.Name())
		}
	}
	return envs
}

func hasKustomization(dir string) bool {
	for _, n := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return true
		}
	}
	return false
}

// Render builds the overlay of env below root (the folder holding base/ and
// overlays/) with images pinned through kustomize's images transformer. It
// reads only the files below root and writes nothing.
func Render(root, env string, images []Image) (*Result, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("finding the kustomize root: %w", err)
	}
	overlay := OverlayDir(root, env)
	if env == "" || strings.ContainsAny(env, `/\`) || env == "." || env == ".." || !hasKustomization(overlay) {
		return nil, &UnknownEnvError{Env: env, Dir: overlay, Known: Envs(root)}
	}
	tree, err := loadTree(root)
	if err != nil {
		return nil, &Error{Env: env, Err: err}
	}
	fsys := &decrypting{FileSystem: tree}
	wrapper := filepath.Join(root, wrapperDir)
	if err := writeWrapper(fsys, wrapper, env, images); err != nil {
		return nil, &Error{Env: env, Err: err}
	}
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionLegacy
	m, err := krusty.MakeKustomizer(opts).Run(fsys, wrapper)
	if fsys.err != nil {
		return nil, &Error{Env: env, Err: fsys.err}
	}
	if err != nil {
		return nil, &Error{Env: env, Err: errors.New(strings.ReplaceAll(err.Error(), wrapper, overlay))}
	}
	res := &Result{}
	used := map[string]bool{}
	var buf, masked, record bytes.Buffer
	for i, r := range m.Resources() {
		data, err := r.MarshalJSON()
		if err != nil {
			return nil, &Error{Env: env, Err: fmt.Errorf("reading %s: %w", r.CurId(), err)}
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(data); err != nil {
			return nil, &Error{Env: env, Err: fmt.Errorf("reading %s: %w", r.CurId(), err)}
		}
		if annotate(u, images, used) {
			if err := r.SetAnnotations(u.GetAnnotations()); err != nil {
				return nil, &Error{Env: env, Err: fmt.Errorf("annotating %s: %w", r.CurId(), err)}
			}
		}
		res.Objects = append(res.Objects, u)
		res.FromSOPS = append(res.FromSOPS, fsys.fromSOPS(u))
		out, err := r.AsYAML()
		if err != nil {
			return nil, &Error{Env: env, Err: fmt.Errorf("encoding %s: %w", r.CurId(), err)}
		}
		if i > 0 {
			buf.WriteString("---\n")
			masked.WriteString("---\n")
			record.WriteString("---\n")
		}
		buf.Write(out)
		if err := writeMasked(&masked, &record, u, out, res.FromSOPS[i]); err != nil {
			return nil, &Error{Env: env, Err: fmt.Errorf("encoding %s: %w", r.CurId(), err)}
		}
	}
	res.YAML, res.Masked, res.Record = buf.Bytes(), masked.Bytes(), record.Bytes()
	for _, img := range images {
		if !used[img.Name] {
			res.Unused = append(res.Unused, img.Name)
		}
	}
	return res, nil
}

// writeWrapper writes a kustomization that takes the overlay as its only
// resource and pins the images, so the overlay on disk stays untouched.
func writeWrapper(fsys filesys.FileSystem, dir, env string, images []Image) error {
	k := types.Kustomization{
		TypeMeta:  types.TypeMeta{APIVersion: types.KustomizationVersion, Kind: types.KustomizationKind},
		Resources: []string{"../overlays/" + env},
	}
	for _, img := range images {
		k.Images = append(k.Images, types.Image{Name: img.Name, NewName: img.NewName, Digest: img.Digest})
	}
	out, err := yaml.Marshal(k)
	if err != nil {
		return fmt.Errorf("encoding the image pins: %w", err)
	}
	if err := fsys.MkdirAll(dir); err != nil {
		return err
	}
	return fsys.WriteFile(filepath.Join(dir, "kustomization.yaml"), out)
}

// loadTree copies the regular files below root into memory at the same
// absolute paths, so error messages name the real files.
func loadTree(root string) (filesys.FileSystem, error) {
	fsys := filesys.MakeFsInMemory()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return fsys.MkdirAll(path)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return fsys.WriteFile(path, data)
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", root, err)
	}
	return fsys, nil
}

// podSpecPaths are where workloads keep their pod spec.
var podSpecPaths = [][]string{
	{"spec", "template", "spec"},                        // Deployment, StatefulSet, DaemonSet, ReplicaSet, Job
	{"spec", "jobTemplate", "spec", "template", "spec"}, // CronJob
}

// annotate records on a workload the tagged names of the pinned images its
// pods run, and marks those images used. It says whether it set anything.
func annotate(u *unstructured.Unstructured, images []Image, used map[string]bool) bool {
	paths := podSpecPaths
	if u.GetKind() == "Pod" && u.GetAPIVersion() == "v1" {
		paths = [][]string{{"spec"}}
	}
	var tagged []string
	for _, p := range paths {
		for _, field := range []string{"initContainers", "containers"} {
			list, _, _ := unstructured.NestedSlice(u.Object, append(slices.Clone(p), field)...)
			for _, c := range list {
				ref, _ := c.(map[string]any)["image"].(string)
				for _, img := range images {
					if ref == img.Pinned().String() {
						used[img.Name] = true
						if tag := img.Tagged().String(); !slices.Contains(tagged, tag) {
							tagged = append(tagged, tag)
						}
					}
				}
			}
		}
	}
	if len(tagged) == 0 {
		return false
	}
	slices.Sort(tagged)
	a := u.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[ImagesAnnotation] = strings.Join(tagged, ",")
	u.SetAnnotations(a)
	return true
}
