package shortsha

import "testing"

func TestLengths(t *testing.T) {
	const sha = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct{ name, got, want string }{
		{"commit", Commit(sha), "0123456789ab"},
		{"short commit", Commit("abc"), "abc"},
		{"empty commit", Commit(""), ""},
		{"digest", Digest("sha256:" + sha + "0123456789abcdef0123456"), "0123456789ab"},
		{"digest without algorithm", Digest(sha), "0123456789ab"},
		{"git", Git(sha), "0123456"},
		{"digest with algorithm", DigestWithAlgorithm("sha256:" + sha), "sha256:0123456789ab"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
