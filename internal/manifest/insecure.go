package manifest

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

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
	return hostProblem(host)
}

// hostProblem checks a host name or an IP address, bracketed or not.
func hostProblem(host string) string {
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
