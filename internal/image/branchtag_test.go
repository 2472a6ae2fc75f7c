package image

import (
	"regexp"
	"strings"
	"testing"
)

var dockerTag = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

func TestBranchTag(t *testing.T) {
	tests := []struct {
		name string
		want string
	}{
		{"master", "master"},
		{"feature/x", "feature-x"},
		{"origin/feature/x", "feature-x"},
		{"v1.2.3", "v1.2.3"},
		{"release/2024.01_rc", "release-2024.01_rc"},
		{"fix/JIRA-12 space+plus", "fix-JIRA-12-space-plus"},
		{".hidden", "hidden"},
		{"-/.x", "x"},
		{"_ok", "_ok"},
		{"a/üñ", "a-----"},
		{"üñ", ""}, // nothing usable is left; callers fall back to the SHA
		{strings.Repeat("a", 200), strings.Repeat("a", 128)},
	}
	for _, tt := range tests {
		got := BranchTag(tt.name)
		if got != tt.want {
			t.Errorf("BranchTag(%q) = %q, want %q", tt.name, got, tt.want)
		}
		if got != "" && !dockerTag.MatchString(got) && !strings.HasPrefix(got, "-") {
			t.Errorf("BranchTag(%q) = %q is not a valid docker tag", tt.name, got)
		}
	}
}
