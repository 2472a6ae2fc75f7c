package manifest

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// insecureRegistries decodes insecureRegistries: the registries (host or
// host:port, as image references write them) that may be reached over
// plain HTTP or unverified TLS. Loopback registries need no entry.
func (d *decoder) insecureRegistries(top *object) []string {
	const key = "insecureRegistries"
	f, ok := top.fields[key]
	if !ok || isNull(f.val) {
		return nil
	}
	if f.val.Kind != yaml.SequenceNode {
		d.report(f.val, key, "must be a list of registry hosts (host or host:port), got %s", describe(f.val))
		return nil
	}
	var hosts []string
	for i, item := range f.val.Content {
		item = resolve(item)
		at := fmt.Sprintf("%s[%d]", key, i)
		switch {
		case item.Kind != yaml.ScalarNode:
			d.report(item, at, "must be a string, got %s", describe(item))
		case isNull(item) || item.Value == "":
			d.report(item, at, "must not be empty")
		default:
			if d.check(item, at, insecureRegistryProblem(item.Value)) {
				hosts = append(hosts, item.Value)
			}
		}
	}
	return hosts
}

// ValidateInsecureRegistry reports whether host can name an insecure
// registry; it is exported for XP_INSECURE_REGISTRIES.
func ValidateInsecureRegistry(host string) error {
	if p := insecureRegistryProblem(host); p != "" {
		return fmt.Errorf("insecure registry %q: %s", host, p)
	}
	return nil
}

func insecureRegistryProblem(s string) string {
	switch {
	case strings.Contains(s, "://"):
		return "must not include a scheme; write host or host:port, e.g. registry.internal:5000"
	case strings.Contains(s, "/"):
		return "must be a registry host without a path; write host or host:port"
	}
	host, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
	} else if strings.Contains(strings.Trim(s, "[]"), ":") && net.ParseIP(strings.Trim(s, "[]")) == nil {
		return "must be host or host:port"
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("port %q must be a number from 1 to 65535", port)
		}
	}
	host = strings.Trim(host, "[]")
	if net.ParseIP(host) != nil {
		return ""
	}
	for _, label := range strings.Split(host, ".") {
		if !hostLabel.MatchString(label) {
			return fmt.Sprintf("%q is not a host name: labels of letters, digits and '-' between dots", host)
		}
	}
	return ""
}
