package cachekey

import "encoding/json"

// Deps reads from an image's labels the digest of each dependency
// service's image it was built from; nil when it records none.
func Deps(labels map[string]string) map[string]string {
	var deps map[string]string
	if err := json.Unmarshal([]byte(labels[labelDeps]), &deps); err != nil {
		return nil
	}
	return deps
}
