package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// BranchPlaceholder stands for the branch's slug in a preview's namespace
// pattern.
const BranchPlaceholder = "{branch}"

// DefaultPreviewTTL is how long a preview lives when its template sets no ttl.
const DefaultPreviewTTL = 72 * time.Hour

// minSlug is the room a pattern must leave for the branch: a hashed slug
// ("x-" and 8 hex digits) still fits.
const minSlug = 10

// Preview makes an environment entry the template of preview environments
// (`deploy --preview BRANCH`): its overlay is rendered into a namespace of
// the preview's own, named by Namespace with {branch} replaced.
type Preview struct {
	// Namespace is the name pattern; it holds BranchPlaceholder once.
	Namespace string
	// TTL is how long a preview lives after its last deploy, unless the
	// deploy gives another; DefaultPreviewTTL when the entry sets none.
	TTL time.Duration
}

// PreviewTemplate returns the environment that is the preview template, and
// whether the manifest has one.
func (m *Manifest) PreviewTemplate() (Environment, bool) {
	for _, e := range m.Environments {
		if e.Preview != nil {
			return e, true
		}
	}
	return Environment{}, false
}

// NamespaceFor is the namespace of the preview of branch: the pattern with
// {branch} replaced by the branch's slug, cut and hashed to fit 63.
func (p *Preview) NamespaceFor(branch string) string {
	prefix, suffix, _ := strings.Cut(p.Namespace, BranchPlaceholder)
	return prefix + BranchSlug(branch, 63-len(prefix)-len(suffix)) + suffix
}

// TrimBranch takes a branch as written on a command line ("feature/x",
// "origin/feature/x" or "refs/heads/feature/x") to the remote's branch name.
func TrimBranch(branch string) string {
	for _, p := range []string{"refs/heads/", "origin/"} {
		branch = strings.TrimPrefix(branch, p)
	}
	return branch
}

// BranchSlug turns a branch into at most limit lowercase letters, digits
// and '-', starting and ending with a letter or digit. A branch that does
// not fit is cut and ends in a hash of its full name, so that two long
// branches with a common start still get names of their own.
func BranchSlug(branch string, limit int) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(branch) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	slug := b.String()
	if slug != "" && len(slug) <= limit {
		return slug
	}
	sum := sha256.Sum256([]byte(branch))
	hash := hex.EncodeToString(sum[:])[:8]
	keep := min(len(slug), max(limit-len(hash)-1, 0))
	head := strings.TrimRight(slug[:keep], "-")
	if head == "" {
		return "x-" + hash
	}
	return head + "-" + hash
}

// preview reads an environment's optional `preview:` block.
func (d *decoder) preview(o *object) *Preview {
	p := d.child(o, "preview", false, previewKeys.names()...)
	if p == nil {
		return nil
	}
	pattern, at := d.str(p, "namespace", true)
	d.check(at, join(p.path, "namespace"), patternProblem(pattern))
	out := &Preview{Namespace: pattern, TTL: DefaultPreviewTTL}
	if v, at := d.str(p, "ttl", false); at != nil {
		ttl, err := time.ParseDuration(v)
		if err != nil || ttl <= 0 {
			d.report(at, join(p.path, "ttl"), "must be a positive duration such as 72h or 30m, got %q", v)
		} else {
			out.TTL = ttl
		}
	}
	if f, ok := o.fields["namespace"]; ok {
		d.report(f.key, join(o.path, "namespace"), "a preview template takes each preview's namespace from preview.namespace; remove this key")
	}
	return out
}

// patternProblem checks a namespace pattern: one {branch}, and a DNS label
// whatever branch fills it.
func patternProblem(pattern string) string {
	if strings.Count(pattern, BranchPlaceholder) != 1 {
		return fmt.Sprintf("%q must hold %s exactly once, as in preview-%s", pattern, BranchPlaceholder, BranchPlaceholder)
	}
	prefix, suffix, _ := strings.Cut(pattern, BranchPlaceholder)
	if strings.ContainsAny(prefix+suffix, "{}") {
		return fmt.Sprintf("%q: the only placeholder is %s", pattern, BranchPlaceholder)
	}
	if !dnsLabel.MatchString(prefix + "a" + suffix) {
		return fmt.Sprintf("%q does not make a namespace name: around %s only lowercase letters, digits and '-', not at either end", pattern, BranchPlaceholder)
	}
	if len(prefix)+len(suffix) > 63-minSlug {
		return fmt.Sprintf("%q leaves less than %d characters of 63 for the branch", pattern, minSlug)
	}
	return ""
}

// Matches says whether ns is a namespace the pattern can make.
func (p *Preview) Matches(ns string) bool { return previewMatches(p.Namespace, ns) }

// previewMatches says whether the pattern can make namespace ns.
func previewMatches(pattern, ns string) bool {
	prefix, suffix, ok := strings.Cut(pattern, BranchPlaceholder)
	return ok && len(ns) > len(prefix)+len(suffix) && strings.HasPrefix(ns, prefix) && strings.HasSuffix(ns, suffix)
}

// previews checks the preview templates against each other and against
// the named environments: one template at most, and no namespace of a
// named environment that a preview could take. at holds where each
// environment's namespace and preview pattern were written.
func (d *decoder) previews(envs []Environment, at map[string]*yaml.Node) {
	var tmpl *Environment
	for i, e := range envs {
		if e.Preview == nil {
			continue
		}
		if tmpl != nil {
			d.report(at["preview:"+e.Name], join(join("environments", e.Name), "preview"), "only one environment can be the preview template, and %s is", tmpl.Name)
			continue
		}
		tmpl = &envs[i]
	}
	if tmpl == nil || patternProblem(tmpl.Preview.Namespace) != "" {
		return
	}
	for _, e := range envs {
		if e.Preview == nil && e.Namespace != "" && previewMatches(tmpl.Preview.Namespace, e.Namespace) {
			d.report(at[e.Name], join(join("environments", e.Name), "namespace"),
				"namespace %s could be a preview's (environments.%s.preview.namespace is %q): previews never share a namespace with a named environment; rename one of them",
				e.Namespace, tmpl.Name, tmpl.Preview.Namespace)
		}
	}
}
