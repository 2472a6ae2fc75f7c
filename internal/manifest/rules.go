package manifest

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"

	"github.com/distribution/reference"

	imagepkg "github.com/x-platform/x-platform/internal/image"
)

// Each rule returns a message describing what is wrong with a value, or ""
// when the value is fine, so rules can be tested without YAML around them.

var (
	dnsLabel  = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	argName   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	hostLabel = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$`)
)

func serviceNameProblem(name string) string {
	if len(name) > 63 {
		return fmt.Sprintf("service name is %d characters long; at most 63 are allowed (a DNS-1123 label)", len(name))
	}
	if !dnsLabel.MatchString(name) {
		return "service name must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"
	}
	return ""
}

// ValidateRegistry reports whether prefix can stand before an image path,
// so that <prefix>/<image>:<tag> is a valid image name. It is exported for
// callers that take the registry from elsewhere, such as XP_REGISTRY.
func ValidateRegistry(prefix string) error {
	if p := registryProblem(prefix); p != "" {
		return fmt.Errorf("registry %q: %s", prefix, p)
	}
	return nil
}

func registryProblem(s string) string {
	host, _, _ := strings.Cut(s, "/")
	switch {
	case strings.Contains(s, "://"):
		return "must not include a scheme; write host[:port][/path], e.g. registry.example.com/team"
	case strings.HasSuffix(s, "/"):
		return "must not end with '/'"
	case strings.ContainsAny(s, "@") || strings.Contains(strings.TrimPrefix(s, host), ":"):
		return "must not carry a tag or digest; write host[:port][/path]"
	case !strings.ContainsAny(host, ".:") && host != "localhost":
		return fmt.Sprintf("must start with a registry host (a name with a dot or a port, or localhost), not %q", host)
	}
	if _, err := reference.ParseNamed(s + "/image"); err != nil {
		return fmt.Sprintf("must be host[:port][/path] with lowercase path components: %v", err)
	}
	return ""
}

func builderImageProblem(s string) string {
	if _, err := reference.ParseNormalizedNamed(s); err != nil {
		return fmt.Sprintf("not a valid image reference: %v", err)
	}
	return ""
}

// repositoryProblem checks docker.image, the path below the registry.
func repositoryProblem(s string) string {
	switch {
	case strings.Contains(s, "@"):
		return "must not carry a digest; images are tagged with the commit SHA"
	case strings.Contains(s, ":"):
		return "must not carry a tag or a port; images are tagged with the commit SHA and the host comes from registry"
	case s != strings.ToLower(s):
		return "must be lowercase"
	}
	// Any valid host will do: only the path is checked here.
	_, err := reference.ParseNamed("registry.invalid/" + s)
	if errors.Is(err, reference.ErrNameTooLong) {
		return fmt.Sprintf("is %d characters long; a repository path has at most %d", len(s), reference.RepositoryNameTotalLengthMax)
	}
	if err != nil {
		return "must be a repository path such as team/zbackend: lowercase letters, digits and separators ('.', '_', '-') between '/'"
	}
	return ""
}

// imageNameProblem checks the whole name an image is pushed under, which
// can be too long even when its parts are valid.
func imageNameProblem(registry, image string) string {
	name := imagepkg.NewRef(registry, image, strings.Repeat("0", 40))
	if _, err := reference.ParseNormalizedNamed(name.String()); err != nil {
		return fmt.Sprintf("does not make a valid image name below registry: %v", err)
	}
	return ""
}

// gitReferenceProblem applies the rules of git check-ref-format that a
// branch, tag or commit written in the manifest can break.
func gitReferenceProblem(s string) string {
	switch {
	case strings.IndexFunc(s, unicode.IsSpace) >= 0:
		return "must not contain whitespace"
	case strings.HasPrefix(s, "-"):
		return "must not start with '-'"
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "must not contain control characters"
	case strings.Contains(s, ".."):
		return "must not contain '..'"
	case strings.ContainsAny(s, `~^:?*[\`):
		return `must not contain any of ~ ^ : ? * [ \`
	case strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") || strings.Contains(s, "//"):
		return "must not start or end with '/' nor contain '//'"
	case strings.HasSuffix(s, ".lock") || strings.HasSuffix(s, "."):
		return "must not end with '.lock' or '.'"
	}
	return ""
}

func escapes(clean string) bool {
	return clean == ".." || strings.HasPrefix(clean, "../")
}

// dirProblem checks a service's dir, relative to the manifest's folder.
func dirProblem(dir string) string {
	clean := filepath.ToSlash(filepath.Clean(dir))
	switch {
	case filepath.IsAbs(dir) || strings.HasPrefix(dir, "/"):
		return "must be relative to the manifest's folder, e.g. src/<service>"
	case escapes(clean):
		return fmt.Sprintf("must stay inside the manifest's folder, but %s leaves it", dir)
	case clean == ".":
		return "must be a subfolder of the manifest's folder, not the folder itself"
	case toolOwned(clean) != "":
		return toolOwnedProblem(toolOwned(clean))
	}
	return ""
}

// insideProblem checks a path relative to a service's dir, such as its
// dockerfile or build context.
func insideProblem(dir, rel string) string {
	if filepath.IsAbs(rel) || strings.HasPrefix(rel, "/") {
		return "must be relative to the service's dir"
	}
	joined := filepath.ToSlash(filepath.Join(dir, rel))
	if escapes(joined) {
		return fmt.Sprintf("must stay inside the manifest's folder, but %s/%s leads to %s", dir, rel, joined)
	}
	if owned := toolOwned(joined); owned != "" {
		return toolOwnedProblem(owned)
	}
	return ""
}

func argNameProblem(name string) string {
	if !argName.MatchString(name) {
		return "not a valid build ARG name: letters, digits and '_', not starting with a digit"
	}
	return ""
}

// remoteURL makes a remote written as ./path or ../path absolute against
// the manifest's folder and leaves any other remote as written.
func remoteURL(root, remote string) string {
	if strings.HasPrefix(remote, "./") || strings.HasPrefix(remote, "../") {
		return filepath.Join(root, remote)
	}
	return remote
}

func envNameProblem(name string) string {
	if !argName.MatchString(name) {
		return "not a valid environment variable name: letters, digits and '_', not starting with a digit"
	}
	return ""
}

// cacheProblem checks a cache mount of dockerBuilder.caches, a folder
// inside the builder image.
func cacheProblem(s string) string {
	switch {
	case !path.IsAbs(s):
		return "must be an absolute path inside the builder image, such as " + path.Clean("/"+s)
	case s == "/" || path.Clean(s) == "/":
		return "must not be /: a cache mount there would hide the whole builder image"
	case path.Clean(s) != s:
		return "must be a clean path: write " + path.Clean(s)
	}
	return ""
}

// cacheOverWorkdir reports a cache mount that would hide the source the
// scripts build, copied to workdir.
func cacheOverWorkdir(cache, workdir string) string {
	workdir = path.Clean(workdir)
	if cache == workdir || strings.HasPrefix(workdir, cache+"/") {
		return fmt.Sprintf("would hide the workdir %s, where the source is; cache a folder beside or inside it", workdir)
	}
	return ""
}

// reportProblem checks an entry of scripts.reports, relative to the
// service's folder in the checkout.
func reportProblem(s string) string {
	clean := path.Clean(s)
	switch {
	case strings.HasPrefix(s, "/") || strings.Contains(s, `\`):
		return "must be a relative, slash-separated path inside the service's folder, such as build/reports"
	case escapes(clean):
		return fmt.Sprintf("must stay inside the service's folder, but %s leaves it", s)
	case clean == ".":
		return "must name a file or folder inside the service's folder, not the folder itself"
	case clean != s:
		return "must be a clean path: write " + clean
	}
	return ""
}
