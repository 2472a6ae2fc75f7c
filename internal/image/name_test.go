package image

import "testing"

func TestName(t *testing.T) {
	tests := []struct {
		registry, repo, tag string
		want                string
	}{
		{"", "zbackend", "0123456789abcdef0123456789abcdef01234567", "zbackend:0123456789abcdef0123456789abcdef01234567"},
		{"127.0.0.1:5000", "zbackend", "feature-x", "127.0.0.1:5000/zbackend:feature-x"},
		{"registry.example.com", "team/zfront", "v1", "registry.example.com/team/zfront:v1"},
		{"registry.example.com/mirror", "zbackend", "abc", "registry.example.com/mirror/zbackend:abc"},
	}
	for _, tt := range tests {
		if got := Name(tt.registry, tt.repo, tt.tag); got != tt.want {
			t.Errorf("Name(%q, %q, %q) = %q, want %q", tt.registry, tt.repo, tt.tag, got, tt.want)
		}
	}
}
