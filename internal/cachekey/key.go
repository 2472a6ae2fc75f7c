package cachekey

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/x-platform/x-platform/internal/shortsha"
)

// Label names on built images.
const (
	LabelKey        = "io.x-platform.key"
	labelTree       = "io.x-platform.key.tree"
	labelBuilder    = "io.x-platform.key.builder"
	labelScripts    = "io.x-platform.key.scripts"
	labelDockerfile = "io.x-platform.key.dockerfile"
	labelArgs       = "io.x-platform.key.args"
	labelDeps       = "io.x-platform.key.deps"
)

// Inputs are everything an image is made from.
type Inputs struct {
	// Tree is the git tree hash of the service's folder at the commit.
	Tree string
	// Builder is the builder image's ID (its config digest); "" for a
	// service built by its Dockerfile alone, which no image ID equals, so
	// its key differs from that of any service with a builder.
	Builder string
	// Build and Test are the script lines.
	Build, Test []string
	// Env is the scripts' environment from the manifest.
	Env map[string]string
	// Dockerfile is a digest of the Dockerfile's content, path, context and target.
	Dockerfile string
	// BuildArgs are the build args after templates are expanded.
	BuildArgs map[string]string
	// Deps maps each dependency service to its image digest.
	Deps map[string]string
}

// parts are the key's components in a fixed order.
func (in Inputs) parts() [][2]string {
	return [][2]string{
		{labelTree, in.Tree},
		{labelBuilder, in.Builder},
		{labelScripts, in.scripts()},
		{labelDockerfile, in.Dockerfile},
		{labelArgs, digest(canonical(in.BuildArgs))},
		{labelDeps, canonical(in.Deps)},
	}
}

// scripts digests the lines and, when set, their environment: keys made
// before environments existed stay as they were.
func (in Inputs) scripts() string {
	s := strings.Join(in.Build, "\n") + "\x00" + strings.Join(in.Test, "\n")
	if len(in.Env) > 0 {
		s += "\x00" + canonical(in.Env)
	}
	return digest(s)
}

// Key is the hex sha256 of all parts.
func (in Inputs) Key() string {
	h := sha256.New()
	for _, p := range in.parts() {
		fmt.Fprintf(h, "%s=%s\n", p[0], p[1])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Labels are the key and its parts, to be stored on the image.
func (in Inputs) Labels() map[string]string {
	l := map[string]string{LabelKey: in.Key()}
	for _, p := range in.parts() {
		l[p[0]] = p[1]
	}
	return l
}

// Explain says which inputs differ between an image's labels and in; it
// returns nil when the keys match.
func (in Inputs) Explain(labels map[string]string) []string {
	if labels[LabelKey] == in.Key() {
		return nil
	}
	if labels[LabelKey] == "" {
		return []string{"the image has no cache key (built without x-platform or by an older version)"}
	}
	names := map[string]string{
		labelTree: "source tree", labelBuilder: "builder image", labelScripts: "build or test scripts or their environment",
		labelDockerfile: "Dockerfile, context or target", labelArgs: "build args",
	}
	var why []string
	for _, p := range in.parts() {
		old := labels[p[0]]
		if old == p[1] {
			continue
		}
		if p[0] == labelDeps {
			why = append(why, depChanges(old, in.Deps)...)
			continue
		}
		why = append(why, fmt.Sprintf("%s changed (%s → %s)", names[p[0]], short(old), short(p[1])))
	}
	if len(why) == 0 {
		why = []string{"cache key changed"}
	}
	return why
}

func depChanges(old string, now map[string]string) []string {
	var was map[string]string
	_ = json.Unmarshal([]byte(old), &was)
	var why []string
	for _, name := range slices.Sorted(maps.Keys(now)) {
		if was[name] != now[name] {
			why = append(why, fmt.Sprintf("dependency %s changed (%s → %s)", name, short(was[name]), short(now[name])))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(was)) {
		if _, ok := now[name]; !ok {
			why = append(why, fmt.Sprintf("dependency %s removed", name))
		}
	}
	return why
}

// canonical encodes a map with sorted keys (encoding/json sorts them).
func canonical(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Digest returns "sha256:<hex>" of the given parts, joined unambiguously.
func Digest(parts ...string) string {
	return digest(strings.Join(parts, "\x00"))
}

func short(s string) string {
	if strings.TrimPrefix(s, "sha256:") == "" {
		return "none"
	}
	return shortsha.Digest(s)
}
