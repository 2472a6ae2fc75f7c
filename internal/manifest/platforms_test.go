package manifest

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalizePlatform(t *testing.T) {
	tests := []struct {
		in, want string
		// problem is a part of the problem, or "" when in is valid.
		problem string
	}{
		{"linux/amd64", "linux/amd64", ""},
		{"linux/x86_64", "linux/amd64", ""},
		{"linux/amd64/v1", "linux/amd64", ""},
		{"linux/amd64/v3", "linux/amd64/v3", ""},
		{"Linux/AMD64", "linux/amd64", ""},
		{"linux/aarch64", "linux/arm64", ""},
		{"linux/arm64/v8", "linux/arm64", ""},
		{"linux/arm64/9", "linux/arm64/v9", ""},
		{"linux/arm", "linux/arm/v7", ""},
		{"linux/arm/7", "linux/arm/v7", ""},
		{"linux/arm/v6", "linux/arm/v6", ""},
		{"linux/armhf", "linux/arm/v7", ""},
		{"linux/armel", "linux/arm/v6", ""},
		{"linux/i386", "linux/386", ""},
		{"linux/riscv64", "linux/riscv64", ""},
		{"linux/s390x", "linux/s390x", ""},
		{"macos/arm64", "darwin/arm64", ""},
		{"windows/amd64", "windows/amd64", ""},

		{"linux", "", "os/arch"},
		{"amd64", "", "os/arch"},
		{"linux/amd64/v2/x", "", "os/arch"},
		{"", "", "os/arch"},
		{"linus/amd64", "", `unknown operating system "linus"`},
		{"linux/amd46", "", `unknown architecture "amd46"`},
		{"linux/", "", `unknown architecture ""`},
		{"linux/arm/v7 ", "", "variant"},
		{"linux/arm/", "", "variant"},
		{"linux/*", "", "unknown architecture"},
	}
	for _, tt := range tests {
		got, problem := normalizePlatform(tt.in)
		if got != tt.want || tt.problem == "" && problem != "" || !strings.Contains(problem, tt.problem) {
			t.Errorf("normalizePlatform(%q) = %q, %q; want %q, %q", tt.in, got, problem, tt.want, tt.problem)
		}
	}
}

func TestParsePlatforms(t *testing.T) {
	got, err := ParsePlatforms([]string{"linux/x86_64", " linux/amd64", "linux/arm"})
	if err != nil || !slices.Equal(got, []string{"linux/amd64", "linux/arm/v7"}) {
		t.Fatalf("ParsePlatforms = %v, %v", got, err)
	}
	if _, err := ParsePlatforms([]string{"linux"}); err == nil || !strings.Contains(err.Error(), "os/arch") {
		t.Fatalf("ParsePlatforms(linux) = %v", err)
	}
}
