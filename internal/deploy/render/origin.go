package render

import (
	"fmt"
	"path/filepath"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"
)

// Origins renders the overlay of env below root again, asking kustomize
// where each object comes from, and returns the file of each object by
// "Kind/name". It is for error messages only: the render a deploy uses
// carries no such annotation.
func Origins(root, env string) (map[string]string, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("finding the kustomize root: %w", err)
	}
	tree, err := loadTree(root)
	if err != nil {
		return nil, err
	}
	fsys := &decrypting{FileSystem: tree}
	wrapper := filepath.Join(root, wrapperDir)
	k := types.Kustomization{
		TypeMeta:      types.TypeMeta{APIVersion: types.KustomizationVersion, Kind: types.KustomizationKind},
		Resources:     []string{"../overlays/" + env},
		BuildMetadata: []string{types.OriginAnnotations},
	}
	out, err := yaml.Marshal(k)
	if err != nil {
		return nil, fmt.Errorf("encoding the kustomization: %w", err)
	}
	if err := fsys.MkdirAll(wrapper); err != nil {
		return nil, err
	}
	if err := fsys.WriteFile(filepath.Join(wrapper, "kustomization.yaml"), out); err != nil {
		return nil, err
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fsys, wrapper)
	if err != nil {
		return nil, fmt.Errorf("rendering overlay %s: %w", env, err)
	}
	files := map[string]string{}
	for _, r := range m.Resources() {
		o, err := r.GetOrigin()
		if err != nil || o == nil || o.Path == "" || o.Repo != "" {
			continue
		}
		files[r.GetKind()+"/"+r.GetName()] = filepath.Join(wrapper, o.Path)
	}
	return files, nil
}
