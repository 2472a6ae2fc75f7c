package ui

import (
	"fmt"
	"strings"
)

// CI names the log format of a CI system whose logs fold lines.
type CI string

// The CI log formats: none writes lines as they come.
const (
	CINone   CI = "none"
	CIGitHub CI = "github"
	CIGitLab CI = "gitlab"
)

// CIError is a CI format nobody knows: a configuration mistake.
type CIError struct{ Value string }

func (e *CIError) Error() string {
	return fmt.Sprintf("unknown CI log format %q: use github, gitlab or none", e.Value)
}

// UsageError marks it as the caller's to fix.
func (*CIError) UsageError() bool { return true }

// DetectCI is the CI log format to write: override when set (the --ci
// flag or XP_CI), else GitHub Actions' or GitLab CI's own variable.
func DetectCI(override string, getenv func(string) string) (CI, error) {
	switch v := CI(strings.ToLower(strings.TrimSpace(override))); v {
	case CINone, CIGitHub, CIGitLab:
		return v, nil
	case "":
	default:
		return "", &CIError{Value: override}
	}
	switch {
	case getenv("GITHUB_ACTIONS") == "true":
		return CIGitHub, nil
	case getenv("GITLAB_CI") == "true":
		return CIGitLab, nil
	}
	return CINone, nil
}
