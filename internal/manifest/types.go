package manifest

import (
	"path/filepath"
	"time"
)

// FileName is the manifest's conventional name, looked up from the current
// folder upwards when no --file is given.
const FileName = "x-platform.yml"

// Manifest is a decoded and validated x-platform.yml.
type Manifest struct {
	// Path is the absolute path of the manifest file.
	Path string
	// Root is the absolute folder holding the manifest; every dir is inside it.
	Root string
	// Version is the manifest format, always Version once loaded.
	Version int
	// Registry prefixes service images: <Registry>/<Docker.Image>:<tag>.
	Registry string
	// InsecureRegistries may be reached over plain HTTP or unverified TLS.
	InsecureRegistries []string
	// Services in the order the file lists them.
	Services []*Service
	// Environments that deploys target, in file order; see environments.go.
	Environments []Environment
	// Builders are the BuildKit daemons builds run on, in file order; none
	// means the Docker engine's own BuildKit.
	Builders []BuildkitEndpoint
	// Signing is how pushed images are signed and checked; nil when the
	// manifest has no signing entry. See signing.go.
	Signing *Signing
	// Cleanup is what `x-platform cleanup` keeps; see cleanup.go.
	Cleanup Cleanup
	// Vulnerabilities is the vulnerability policy; nil when the manifest
	// has no vulnerabilities entry. See vulnerabilities.go.
	Vulnerabilities *Vulnerabilities
	// Depth is the top-level git.depth: the history a checkout of a
	// service that sets no git.depth fetches, in commits; 0 for all of it.
	Depth int
	// NoCheckout is the top-level git.checkout: false, the NoCheckout of
	// every service that sets no git.checkout.
	NoCheckout bool
	// Tests are the post-deploy tests of environments and services, in
	// file order; see tests.go and TestsFor.
	Tests []Test
	// Pull has build bring the commit's image into the local engine when
	// the registry has it, rather than only taking note that it is there.
	Pull bool
}

// BuildkitEndpoint is one BuildKit daemon builds can run on.
type BuildkitEndpoint struct {
	// Address is as buildctl's --addr names it: unix:///path, tcp://host:port,
	// docker-container://name, kube-pod://name[?namespace=ns], or "docker"
	// for the BuildKit inside the Docker engine, reached through its API.
	Address string
	// CA, Cert and Key are absolute paths of PEM files for a tcp:// daemon
	// that speaks TLS; Cert and Key are both set or both empty. ServerName
	// overrides the host name the daemon's certificate is checked against.
	CA, Cert, Key, ServerName string
	// Jobs caps the builds run on this daemon at once; 0 leaves the
	// choice to the caller.
	Jobs int
}

// Service is one entry of the services map.
type Service struct {
	Name string
	// Dir is the checkout folder as written in the file, relative to Root.
	Dir string
	// AbsDir is Dir made absolute against Root.
	AbsDir string
	Git    Git
	// DockerBuilder is the zero Builder when the service has none.
	DockerBuilder Builder
	Docker        Docker
	Scripts       Scripts
	// Secrets are handed to the scripts, at /run/secrets/<id>, and to the
	// Dockerfile's RUN --mount=type=secret,id=<id>; never stored in an image.
	Secrets []Secret
	// Timeout bounds the build and tests (one BuildKit solve); 0 when the
	// entry sets none, which BuildTimeout reads as DefaultTimeout.
	Timeout time.Duration
	// Deps are the services whose images this one's build args name with
	// {{ image "name" }}, in the order first written.
	Deps []string
}

// HasBuilder says whether the service names a builder image, in which its
// scripts run; without one it is built by its Dockerfile alone.
func (s *Service) HasBuilder() bool { return s.DockerBuilder.Image != "" }

// SourceDir is the folder the service is made from: AbsDir, narrowed to
// Git.Path for a service that is a subfolder of a larger repository.
func (s *Service) SourceDir() string {
	if s.Git.Path == "" {
		return s.AbsDir
	}
	return filepath.Join(s.AbsDir, filepath.FromSlash(s.Git.Path))
}

// Git says where a service's source comes from and which version to take.
type Git struct {
	// Remote is the remote as written in the file.
	Remote string
	// URL is what to fetch from: Remote made absolute against the
	// manifest's folder when it starts with ./ or ../, else Remote itself.
	URL string
	// Reference is a branch (origin/<b> or <b>), a tag, or a full commit SHA.
	Reference string
	// Path narrows the service to a subfolder of the repository (monorepos);
	// "" is the whole repository. Slash-separated, clean, relative.
	Path string
	// Depth is how many commits of history the checkout fetches: the
	// service's git.depth, else the manifest's; 0 fetches all of it.
	Depth int
	// NoCheckout keeps the files of the tree out of the checkout folder,
	// which then holds only its .git at the commit: the service's
	// git.checkout: false, else the manifest's.
	NoCheckout bool
}

// Builder is the image the build and test scripts run in.
type Builder struct {
	Image   string
	Workdir string
	// Env is set for the scripts, on top of the image's own environment.
	Env map[string]string
	// Caches are absolute, clean paths inside the builder made cache
	// mounts, so that downloads and compiler caches outlive one build. They
	// are kept per builder image: two services sharing an image share them.
	Caches []string
}

// Docker says how the service image is built and named.
type Docker struct {
	// Image is the repository name below the registry.
	Image string
	// Dockerfile is relative to SourceDir; "Dockerfile" when omitted.
	Dockerfile string
	// Context is relative to SourceDir; "." when omitted.
	Context   string
	Target    string
	BuildArgs map[string]string
	// Platforms are normalised os/arch[/variant] strings (linux/arm/v7),
	// each listed once; none means the platform of the daemon that builds.
	Platforms []string
}

// Scripts are shell lines run with sh -c inside the builder, in order.
type Scripts struct {
	Build []string
	Test  []string
	// Reports are files or folders the scripts write, such as JUnit XML,
	// exported to the host after the build. Clean, slash-separated and
	// relative to the service's folder in the checkout (SourceDir), which
	// they stay inside.
	Reports []string
}

// Secret is a value a build may read but must not keep: from the
// environment of the invoking process or from a file on its host.
type Secret struct {
	// ID names the secret in /run/secrets/<id> and --mount=type=secret,id=<id>.
	ID string
	// Env names the variable the value is read from; exactly one of Env and
	// File is set.
	Env string
	// File is the file the value is read from: absolute, or "~/..." as
	// written, which the reader expands against the invoking user's home.
	File string
}

// Service returns the named service, or nil.
func (m *Manifest) Service(name string) *Service {
	for _, s := range m.Services {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Names lists the service names in file order.
func (m *Manifest) Names() []string {
	names := make([]string, len(m.Services))
	for i, s := range m.Services {
		names[i] = s.Name
	}
	return names
}
