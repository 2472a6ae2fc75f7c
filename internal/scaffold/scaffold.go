package scaffold

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/x-platform/x-platform/internal/gitsync"
)

// Tips reads the tip of a remote's default branch (gitsync.Client).
type Tips interface {
	ReadTip(ctx context.Context, remote string, read func(path string) bool) (gitsync.Tip, error)
}

// Options say what to make a platform from and where.
type Options struct {
	// Root is the platform folder the files are written in.
	Root string
	// Registry is the manifest's registry.
	Registry string
	// Remotes are git remotes as the user gave them.
	Remotes []string
	// From is a folder of checkouts, each a service, its origin its remote.
	From string
	// Env names the overlay written when the repositories hold Kubernetes
	// manifests.
	Env string
	// Force overwrites files that exist.
	Force bool
}

// Repo is one repository and the service made of it.
type Repo struct {
	Name   string
	Remote string
	// Dir is the checkout folder relative to Root, slash-separated.
	Dir    string
	Branch string
	// Dockerfile says the repository has one at its root.
	Dockerfile bool
	// Kube holds its Kubernetes objects' files by repository path.
	Kube map[string][]byte
}

// UsageError is a mistake in what was asked, such as a file that exists.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string    { return e.Msg }
func (e *UsageError) UsageError() bool { return true }

// kubeDirs are the folders whose YAML is taken for Kubernetes objects.
var kubeDirs = []string{"k8s/", "deploy/", "kubernetes/", "manifests/"}

func wanted(p string) bool {
	if p == "Dockerfile" {
		return true
	}
	if !strings.HasSuffix(p, ".yaml") && !strings.HasSuffix(p, ".yml") {
		return false
	}
	for _, d := range kubeDirs {
		if strings.HasPrefix(p, d) {
			return true
		}
	}
	return false
}

// Read gathers the repositories o names: its remotes, or the checkouts in
// o.From, each asked for the tip of its default branch.
func Read(ctx context.Context, tips Tips, o Options) ([]Repo, error) {
	type source struct{ remote, dir string }
	var sources []source
	for _, r := range o.Remotes {
		sources = append(sources, source{remote: remoteArg(r)})
	}
	if o.From != "" {
		found, err := checkouts(o.From, o.Root)
		if err != nil {
			return nil, err
		}
		for _, c := range found {
			sources = append(sources, source{c[0], c[1]})
		}
	}
	if len(sources) == 0 {
		return nil, &UsageError{"init needs repositories: name their remotes (x-platform init URL…) or a folder of checkouts (--checkouts DIR)"}
	}
	var repos []Repo
	taken := map[string]bool{}
	for _, s := range sources {
		tip, err := tips.ReadTip(ctx, s.remote, wanted)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", s.remote, err)
		}
		r := Repo{Name: UniqueName(NameOf(s.remote), taken), Remote: s.remote, Dir: s.dir, Branch: tip.Branch, Kube: map[string][]byte{}}
		if r.Dir == "" {
			r.Dir = "src/" + r.Name
		}
		_, r.Dockerfile = tip.Files["Dockerfile"]
		workloads := false
		for p, data := range tip.Files {
			if objects, workload := kubeObjects(data); p != "Dockerfile" && objects {
				r.Kube[p] = data
				workloads = workloads || workload
			}
		}
		if !workloads {
			// Objects without a workload to run the image are no start.
			clear(r.Kube)
		}
		repos = append(repos, r)
	}
	return repos, nil
}

// remoteArg makes a local path absolute, so the manifest names the same
// repository wherever it is; URLs and scp-like addresses stay as given.
func remoteArg(r string) string {
	if strings.Contains(r, "://") || scpLike.MatchString(r) {
		return r
	}
	if abs, err := filepath.Abs(r); err == nil {
		return abs
	}
	return r
}

var scpLike = regexp.MustCompile(`^[^/]+:`)

// checkouts lists the git checkouts in dir: [remote, dir relative to root
// or ""] each, in name order.
func checkouts(dir, root string) ([][2]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, &UsageError{fmt.Sprintf("reading --checkouts %s: %v", dir, err)}
	}
	var out [][2]string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(p, ".git")); err != nil {
			continue
		}
		origin, err := gitsync.OriginURL(p)
		if err != nil {
			return nil, &UsageError{fmt.Sprintf("%s: %v; add one with git remote add origin URL, or leave the folder out", p, err)}
		}
		if !strings.Contains(origin, "://") && !scpLike.MatchString(origin) && !filepath.IsAbs(origin) {
			origin = filepath.Join(p, origin)
		}
		rel := ""
		if r, err := RelInside(root, p); err == nil {
			rel = r
		}
		out = append(out, [2]string{origin, rel})
	}
	if len(out) == 0 {
		return nil, &UsageError{fmt.Sprintf("--checkouts %s holds no git checkouts (folders with .git)", dir)}
	}
	return out, nil
}

// RelInside is p relative to root when p lies below it.
func RelInside(root, p string) (string, error) {
	ar, err1 := filepath.Abs(root)
	ap, err2 := filepath.Abs(p)
	if err := errors.Join(err1, err2); err != nil {
		return "", err
	}
	rel, err := filepath.Rel(ar, ap)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is not below %s", p, root)
	}
	return filepath.ToSlash(rel), nil
}

var notLabel = regexp.MustCompile(`[^a-z0-9-]+`)

// NameOf makes a service name, a DNS label, of a remote's last component.
func NameOf(remote string) string {
	p := remote
	if u, err := url.Parse(remote); err == nil && u.Scheme != "" {
		p = u.Path
	} else if scpLike.MatchString(remote) {
		_, p, _ = strings.Cut(remote, ":")
	}
	p = strings.TrimSuffix(strings.TrimRight(filepath.ToSlash(p), "/"), "/.git")
	base := strings.TrimSuffix(path.Base(p), ".git")
	name := strings.Trim(notLabel.ReplaceAllString(strings.ToLower(base), "-"), "-")
	if len(name) > 50 {
		name = strings.Trim(name[:50], "-")
	}
	if name == "" {
		name = "service"
	}
	return name
}

// UniqueName is name, or name-2, name-3…, whichever taken lacks; it takes it.
func UniqueName(name string, taken map[string]bool) string {
	n := name
	for i := 2; taken[n]; i++ {
		n = fmt.Sprintf("%s-%d", name, i)
	}
	taken[n] = true
	return n
}

func jsonString(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}
