package testenv

import "testing"

func TestUnescapeMountinfo(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`/tmp/plain`, "/tmp/plain"},
		{`/tmp/with\040space`, "/tmp/with space"},
		{`/tmp/tab\011and\134slash`, "/tmp/tab\tand\\slash"},
		{`/tmp/short\04`, `/tmp/short\04`},
		{`/tmp/not\08octal`, `/tmp/not\08octal`},
	} {
		if got := unescapeMountinfo(tc.in); got != tc.want {
			t.Errorf("unescapeMountinfo(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBuildkitdConfig(t *testing.T) {
	got := buildkitdConfig([]string{"127.0.0.1:5000", "localhost:5001"})
	want := "[worker.oci]\n  enabled = true\n[worker.containerd]\n  enabled = false\n" +
		"[registry.\"127.0.0.1:5000\"]\n  http = true\n[registry.\"localhost:5001\"]\n  http = true\n"
	if got != want {
		t.Errorf("buildkitdConfig =\n%s\nwant\n%s", got, want)
	}
}
