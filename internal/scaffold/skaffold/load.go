package skaffold

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/scaffold"
)

// Remotes reads a remote's files at a branch or tag (gitsync.Client).
type Remotes interface {
	ReadRef(ctx context.Context, remote, ref string, read func(path string) bool) (gitsync.Tip, error)
}

var _ Remotes = gitsync.Client{}

// repo is one repository configs come from, and the checkout its services
// share.
type repo struct {
	name, remote, reference, dir string
	t                            tree
	// show names a file of it in reports.
	show func(p string) string
}

// loaded is a config and where it was read.
type loaded struct {
	Config
	repo *repo
	// dir is the config file's folder in its repository.
	dir string
}

// loader reads a skaffold.yaml and the configs it requires.
type loader struct {
	ctx                context.Context
	remotes            Remotes
	root               string // the platform folder
	repos              map[string]*repo
	names              map[string]bool // repository names taken
	parsed             map[string][]Config
	taken              map[string]bool // configs loaded, by repo, file and index
	configs            []loaded
	unconverted, notes []Item
}

// localRepo is the checkout holding file, with its origin and branch.
func (l *loader) localRepo(file string) (*repo, string, error) {
	dir := filepath.Dir(file)
	top := dir
	for {
		if _, err := os.Stat(filepath.Join(top, ".git")); err == nil {
			break
		}
		up := filepath.Dir(top)
		if up == top {
			return nil, "", &ConfigError{fmt.Sprintf("%s is not in a git checkout: services are built from git remotes, so import from a checkout with a remote origin", file)}
		}
		top = up
	}
	origin, err := gitsync.OriginURL(top)
	if err != nil {
		return nil, "", &ConfigError{fmt.Sprintf("%s: %v; add one with git remote add origin URL", top, err)}
	}
	if !strings.Contains(origin, "://") && !scpLike.MatchString(origin) && !filepath.IsAbs(origin) {
		origin = filepath.Join(top, origin)
	}
	branch, err := gitsync.CurrentBranch(top)
	if err != nil {
		return nil, "", &ConfigError{err.Error()}
	}
	r := &repo{name: scaffold.UniqueName(scaffold.NameOf(origin), l.names), remote: origin, reference: "origin/" + branch, t: diskTree(top)}
	r.dir = "src/" + r.name
	if rel, err := scaffold.RelInside(l.root, top); err == nil {
		r.dir = rel
	}
	r.show = func(p string) string {
		rel, err := filepath.Rel(dir, filepath.Join(top, filepath.FromSlash(p)))
		if err != nil {
			return p
		}
		return filepath.ToSlash(rel)
	}
	rel, err := filepath.Rel(top, file)
	if err != nil {
		return nil, "", fmt.Errorf("finding %s in %s: %w", file, top, err)
	}
	return r, filepath.ToSlash(rel), nil
}

var scpLike = regexp.MustCompile(`^[^/]+:`)

// remoteRepo reads remote at ref ("" for its default branch).
func (l *loader) remoteRepo(remote, ref string) (*repo, error) {
	key := remote + "\x00" + ref
	if r := l.repos[key]; r != nil {
		return r, nil
	}
	tip, err := l.remotes.ReadRef(l.ctx, remote, ref, func(string) bool { return true })
	if err != nil {
		return nil, err
	}
	r := &repo{name: scaffold.UniqueName(scaffold.NameOf(remote), l.names), remote: remote, t: memTree(tip.Files)}
	r.dir = "src/" + r.name
	r.reference = ref
	if tip.Branch != "" {
		r.reference = "origin/" + tip.Branch
	}
	r.show = func(p string) string { return remote + "//" + p }
	l.repos[key] = r
	return r, nil
}

// load reads the configs of file in r that names lists (all when none),
// and those they require. at is where the requirement was written.
func (l *loader) load(r *repo, file string, names []string, at func(what, why string)) error {
	if r.t.isDir(file) {
		file = path.Join(file, "skaffold.yaml")
	}
	key := r.remote + "\x00" + r.reference + "\x00" + file
	cfgs, ok := l.parsed[key]
	if !ok {
		data, err := r.t.read(file)
		if errors.Is(err, fs.ErrNotExist) {
			at("requires "+r.show(file), "no such file")
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", r.show(file), err)
		}
		if cfgs, err = Parse(r.show(file), data, &l.unconverted, &l.notes); err != nil {
			return err
		}
		l.parsed[key] = cfgs
	}
	want := slices.Clone(names)
	for i := 0; i < len(want) || (len(names) == 0 && i < len(cfgs)); i++ {
		idx := i
		if len(names) > 0 {
			if idx = slices.IndexFunc(cfgs, func(c Config) bool { return c.Name == want[i] }); idx < 0 {
				at("requires config "+want[i], "no config of that name in "+r.show(file))
				continue
			}
		}
		id := fmt.Sprintf("%s\x00%d", key, idx)
		if l.taken[id] {
			continue
		}
		l.taken[id] = true
		c := loaded{cfgs[idx], r, path.Dir(file)}
		l.configs = append(l.configs, c)
		rep := reporter{r.show(file), &l.unconverted, &l.notes}
		for _, q := range c.Requires {
			where := func(what, why string) {
				l.unconverted = append(l.unconverted, Item{rep.file, q.Line, what, why})
			}
			switch {
			case q.Git != nil:
				rr, err := l.remoteRepo(q.Git.Repo, q.Git.Ref)
				if err != nil {
					return fmt.Errorf("%s:%d: reading required config of %s: %w", rep.file, q.Line, q.Git.Repo, err)
				}
				p := q.Git.Path
				if p == "" {
					p = "skaffold.yaml"
				}
				if err := l.load(rr, path.Clean(p), q.Configs, where); err != nil {
					return err
				}
			case q.Path != "":
				if err := l.load(r, path.Join(c.dir, q.Path), q.Configs, where); err != nil {
					return err
				}
			default:
				// Configs of this same file, named.
				for _, n := range q.Configs {
					switch {
					case !slices.ContainsFunc(cfgs, func(c Config) bool { return c.Name == n }):
						where("requires config "+n, "no config of that name in "+r.show(file))
					case len(names) > 0:
						want = append(want, n)
					}
				}
			}
		}
	}
	return nil
}
