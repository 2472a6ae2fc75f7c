package manifest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Platforms are checked with the rules and aliases of containerd's
// platforms package, narrowed to os/arch[/variant]: a manifest names the
// platforms of an image index, never the host's default.

var variantName = regexp.MustCompile(`^[a-z0-9][a-z0-9.]*$`)

// knownOS and knownArch are the GOOS and GOARCH values image indexes use.
var (
	knownOS = []string{"aix", "android", "darwin", "dragonfly", "freebsd", "illumos", "ios", "js", "linux",
		"netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos"}
	knownArch = []string{"386", "amd64", "arm", "arm64", "loong64", "mips", "mipsle", "mips64", "mips64le",
		"ppc64", "ppc64le", "riscv64", "s390x", "wasm"}
)

// normalizePlatform returns the canonical spelling of an os/arch[/variant]
// platform (linux/x86_64 is linux/amd64, linux/arm is linux/arm/v7), or a
// problem.
func normalizePlatform(s string) (string, string) {
	parts := strings.Split(strings.ToLower(s), "/")
	if len(parts) < 2 || len(parts) > 3 {
		return "", "must be os/arch or os/arch/variant, such as linux/amd64 or linux/arm/v7"
	}
	osName, arch, variant := parts[0], parts[1], ""
	if len(parts) == 3 {
		variant = parts[2]
		if !variantName.MatchString(variant) {
			return "", fmt.Sprintf("variant %q must be letters, digits and '.', such as v7", parts[2])
		}
	}
	if osName == "macos" {
		osName = "darwin"
	}
	if !slices.Contains(knownOS, osName) {
		return "", fmt.Sprintf("unknown operating system %q; known ones are %s", parts[0], strings.Join(knownOS, ", "))
	}
	arch, variant = normalizeArch(arch, variant)
	if !slices.Contains(knownArch, arch) {
		return "", fmt.Sprintf("unknown architecture %q; known ones are %s", parts[1], strings.Join(knownArch, ", "))
	}
	if variant == "" {
		return osName + "/" + arch, ""
	}
	return osName + "/" + arch + "/" + variant, ""
}

// normalizeArch folds the aliases of an architecture and the variants
// that mean its default into one spelling.
func normalizeArch(arch, variant string) (string, string) {
	switch arch {
	case "i386":
		return "386", ""
	case "x86_64", "x86-64", "amd64":
		if variant == "v1" {
			variant = ""
		}
		return "amd64", variant
	case "aarch64", "arm64":
		switch variant {
		case "8", "v8", "v8.0":
			variant = ""
		case "9", "9.0", "v9.0":
			variant = "v9"
		}
		return "arm64", variant
	case "armhf":
		return "arm", "v7"
	case "armel":
		return "arm", "v6"
	case "arm":
		switch variant {
		case "", "7":
			variant = "v7"
		case "5", "6", "8":
			variant = "v" + variant
		}
		return "arm", variant
	}
	return arch, variant
}

// platforms decodes docker.platforms, normalised and each kept once.
func (d *decoder) platforms(k *object) []string {
	var items []item
	for _, it := range d.items(k, "platforms", "platforms such as linux/amd64", nil) {
		norm, problem := normalizePlatform(it.value)
		if d.check(it.at, it.key, problem) {
			it.value = norm
			items = append(items, it)
		}
	}
	var out []string
	for _, it := range items {
		if !slices.Contains(out, it.value) {
			out = append(out, it.value)
		}
	}
	return out
}

// ParsePlatforms checks and normalises platforms given outside the manifest
// (build --platform), as docker.platforms is; duplicates are dropped.
func ParsePlatforms(list []string) ([]string, error) {
	var out []string
	for _, s := range list {
		p, problem := normalizePlatform(strings.TrimSpace(s))
		if problem != "" {
			return nil, fmt.Errorf("platform %q: %s", s, problem)
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}
