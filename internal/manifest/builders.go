package manifest

import (
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// builderForms lists the addresses a builder may have, for messages.
const builderForms = `"docker", unix:///path, tcp://host:port, docker-container://name or kube-pod://name[?namespace=ns]`

var (
	// containerName is what the Docker engine accepts as a container name.
	containerName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)
	podName       = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)
)

// ParseBuilderAddress checks one BuildKit address the way the manifest's
// builders list does; it is exported for addresses given elsewhere, such
// as --builder and XP_BUILDERS, which carry no TLS files.
func ParseBuilderAddress(s string) (BuildkitEndpoint, error) {
	if p := builderAddressProblem(s); p != "" {
		return BuildkitEndpoint{}, fmt.Errorf("builder %q: %s", s, p)
	}
	return BuildkitEndpoint{Address: s}, nil
}

func builderAddressProblem(s string) string {
	if s == "docker" {
		return ""
	}
	if !strings.Contains(s, "://") {
		return "must be one of " + builderForms
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Sprintf("not a valid address (%v); use one of %s", unwrapURLError(err), builderForms)
	}
	if u.User != nil || u.Fragment != "" {
		return "must not carry a user or a #fragment"
	}
	switch u.Scheme {
	case "unix":
		if u.Host != "" || !path.IsAbs(u.Path) || u.RawQuery != "" {
			return "a unix socket needs an absolute path and nothing else, e.g. unix:///run/buildkit/buildkitd.sock"
		}
		return ""
	case "tcp":
		return tcpProblem(u)
	case "docker-container":
		if u.Path != "" || u.RawQuery != "" || !containerName.MatchString(u.Host) {
			return "must be docker-container://<name> with the name of a running container (letters, digits, '_', '.', '-')"
		}
		return ""
	case "kube-pod":
		return kubePodProblem(u)
	}
	return fmt.Sprintf("scheme %q is not supported; use one of %s", u.Scheme, builderForms)
}

func tcpProblem(u *url.URL) string {
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return "must be tcp://host:port without a path or query"
	}
	if u.Port() == "" || u.Hostname() == "" {
		return "must be tcp://host:port: both the host and the port are needed"
	}
	if n, err := strconv.Atoi(u.Port()); err != nil || n < 1 || n > 65535 {
		return fmt.Sprintf("port %q must be a number from 1 to 65535", u.Port())
	}
	return hostProblem(u.Hostname())
}

func kubePodProblem(u *url.URL) string {
	if u.Path != "" || len(u.Host) > 253 || !podName.MatchString(u.Host) {
		return "must be kube-pod://<pod>[?namespace=<ns>] with a pod name of lowercase letters, digits, '-' and '.'"
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return fmt.Sprintf("has an invalid query: %v", err)
	}
	for k, vs := range q {
		switch {
		case k != "namespace":
			return fmt.Sprintf("query key %q is not supported; only namespace is", k)
		case len(vs) != 1:
			return "names its namespace more than once"
		case vs[0] == "":
			return "has an empty namespace; leave ?namespace= out for the current one"
		}
		if p := namespaceProblem(vs[0]); p != "" {
			return p
		}
	}
	return ""
}

// unwrapURLError drops the quoted input url.Parse repeats in its errors.
func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// builders decodes the top-level list of BuildKit daemons; each item is an
// address or a mapping with the address and its TLS files.
func (d *decoder) builders(top *object, root string) []BuildkitEndpoint {
	var out []BuildkitEndpoint
	first := map[string]*yaml.Node{}
	for i, n := range d.sequence(top, "builders", "addresses or {address, ca, cert, key, serverName, jobs}") {
		at := fmt.Sprintf("builders[%d]", i)
		var (
			e      BuildkitEndpoint
			addrAt *yaml.Node
		)
		switch {
		case isNull(n) || n.Kind == yaml.ScalarNode && n.Value == "":
			d.report(n, at, "must not be empty")
			continue
		case n.Kind == yaml.ScalarNode:
			e.Address, addrAt = n.Value, n
			if !d.check(n, at, builderAddressProblem(n.Value)) {
				continue
			}
		default:
			var ok bool
			if e, addrAt, ok = d.endpoint(n, at, root); !ok {
				continue
			}
		}
		if prev, dup := first[e.Address]; dup {
			d.report(addrAt, at, "builder already listed at line %d", prev.Line)
			continue
		}
		first[e.Address] = addrAt
		out = append(out, e)
	}
	return out
}

// endpoint decodes a builder written as a mapping, and says whether it is
// valid; addrAt is where its address was written.
func (d *decoder) endpoint(n *yaml.Node, at, root string) (e BuildkitEndpoint, addrAt *yaml.Node, ok bool) {
	o := d.object(n, n, at, endpointKeys.names()...)
	if o == nil {
		return e, nil, false
	}
	e.Address, addrAt = d.str(o, "address", true)
	ok = d.check(addrAt, join(at, "address"), builderAddressProblem(e.Address))
	tcp := strings.HasPrefix(e.Address, "tcp://")
	for _, f := range []struct {
		name string
		dst  *string
	}{{"ca", &e.CA}, {"cert", &e.Cert}, {"key", &e.Key}, {"serverName", &e.ServerName}} {
		v, vAt := d.str(o, f.name, false)
		switch {
		case vAt == nil:
		case ok && !tcp:
			d.report(o.fields[f.name].key, join(at, f.name), "only a tcp:// builder takes TLS settings; %s is not a TLS connection", e.Address)
			ok = false
		case f.name == "serverName":
			ok = d.check(vAt, join(at, f.name), hostProblem(v)) && ok
			*f.dst = v
		case d.check(vAt, join(at, f.name), hostFileProblem(v)):
			*f.dst = onHost(root, v)
		default:
			ok = false
		}
	}
	for _, pair := range [][2]string{{"cert", "key"}, {"key", "cert"}} {
		if _, has := o.fields[pair[0]]; has {
			if _, other := o.fields[pair[1]]; !other {
				d.report(o.fields[pair[0]].key, join(at, pair[1]), "required with %s: a client certificate needs both cert and key", pair[0])
				ok = false
			}
		}
	}
	jobs, jobsOK := d.count(o, "jobs")
	e.Jobs = jobs
	return e, addrAt, ok && jobsOK
}

// count returns the whole number under name, 0 when absent or null, and
// says whether it is valid.
func (d *decoder) count(o *object, name string) (int, bool) {
	f, ok := o.fields[name]
	if !ok || isNull(f.val) {
		return 0, true
	}
	var n int
	if f.val.Kind != yaml.ScalarNode || f.val.Tag != "!!int" || f.val.Decode(&n) != nil {
		d.report(f.val, join(o.path, name), "must be a whole number, got %s", describe(f.val))
		return 0, false
	}
	if n < 0 {
		d.report(f.val, join(o.path, name), "must be at least 1 (builds run at once on this builder), or 0 for the default")
		return 0, false
	}
	return n, true
}

// onHost makes a path of a file on the invoking host absolute against the
// manifest's folder.
func onHost(root, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(root, p)
}

// hostFileProblem checks a path of a file on the invoking host, such as a
// TLS certificate, which is absolute or relative to the manifest's folder.
func hostFileProblem(p string) string {
	if strings.HasPrefix(p, "~") {
		return "~ is not expanded here; write an absolute path or one relative to the manifest's folder"
	}
	return ""
}
