package manifest

import "path/filepath"

// FileName is the manifest's conventional name, looked up from the current
// folder upwards when no --file is given.
const FileName = "x-platform.yml"

// Manifest is a decoded and validated x-platform.yml.
type Manifest struct {
	// Path is the absolute path of the manifest file.
	Path string
	// Root is the absolute folder holding the manifest; every dir is inside it.
	Root string
	// Registry prefixes service images: <Registry>/<Docker.Image>:<tag>.
	Registry string
	// InsecureRegistries may be reached over plain HTTP or unverified TLS.
	InsecureRegistries []string
	// Services in the order the file lists them.
	Services []*Service
	// Environments that deploys target, in file order; see environments.go.
	Environments []Environment
}

// Service is one entry of the services map.
type Service struct {
	Name string
	// Dir is the checkout folder as written in the file, relative to Root.
	Dir string
	// AbsDir is Dir made absolute against Root.
	AbsDir        string
	Git           Git
	DockerBuilder Builder
	Docker        Docker
	Scripts       Scripts
	// Deps are the services whose images this one's build args name with
	// {{ image "name" }}, in the order first written.
	Deps []string
}

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
}

// Builder is the image the build and test scripts run in.
type Builder struct {
	Image   string
	Workdir string
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
}

// Scripts are shell lines run with sh -c inside the builder, in order.
type Scripts struct {
	Build []string
	Test  []string
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
