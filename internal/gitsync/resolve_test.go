package gitsync

import (
	"slices"
	"testing"
)

func TestClosest(t *testing.T) {
	names := []string{"master", "main", "develop", "feature/login", "feature/logout", "v1.0.0", "v1.1.0", "release/2024"}
	tests := []struct {
		s    string
		want []string
	}{
		{"mastr", []string{"master"}},
		{"mian", []string{"main"}},
		{"feature/logn", []string{"feature/login", "feature/logout"}},
		{"v1.0", []string{"v1.0.0", "v1.1.0"}},
		{"release", []string{"release/2024"}},
		{"Develop", []string{"develop"}},
		{"zzzzzzzzzz", []string{}},
	}
	for _, tt := range tests {
		if got := closest(tt.s, names, 5); !slices.Equal(got, tt.want) {
			t.Errorf("closest(%q) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestIsFullSHA(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"0123456789abcdef0123456789abcdef01234567", true},
		{"0123456789ABCDEF0123456789ABCDEF01234567", true},
		{"0123456789abcdef0123456789abcdef0123456", false},
		{"0123456789abcdef0123456789abcdef0123456g", false},
		{"master", false},
	}
	for _, tt := range tests {
		if got := isFullSHA(tt.s); got != tt.want {
			t.Errorf("isFullSHA(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
