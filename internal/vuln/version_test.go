package vuln

import "testing"

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		eco, a, b string
		want      int
	}{
		{Go, "v1.2.3", "1.2.3", 0},
		{Go, "v1.2.3", "1.10.0", -1},
		{Go, "v0.0.0-20230101000000-abcdef123456", "0.1.0", -1},
		{Go, "go1.22.1", "1.22.0", 1},
		{Go, "go1.22rc1", "1.22.0", -1},
		{Go, "go1.21", "1.21.0", 0},
		{Npm, "1.0.0-alpha", "1.0.0", -1},
		{Npm, "2.0.0", "10.0.0", -1},
		// Debian policy 5.6.12: ~ sorts before anything, even the end.
		{Debian, "1.0~rc1-1", "1.0-1", -1},
		{Debian, "1.0-1", "1.0+b1-1", -1},
		{Debian, "1:1.0-1", "2.0-1", 1},
		{Debian, "1.0-1", "1.0-1", 0},
		{Debian, "1.0", "1.0-0", 0},
		{Debian, "2.36-9+deb12u4", "2.36-9+deb12u10", -1},
		{Debian, "1.2a", "1.2", 1},
		{Debian, "1.10", "1.9", 1},
		{Debian, "7.88.1-10+deb12u5", "7.88.1-10+deb12u5", 0},
		{Debian, "1.0~~", "1.0~", -1},
		{Alpine, "1.2.3-r0", "1.2.3-r1", -1},
		{Alpine, "1.2.3_rc1-r0", "1.2.3-r0", -1},
		{Alpine, "1.2.3_p1-r0", "1.2.3-r5", 1},
		{Alpine, "1.2.3a-r0", "1.2.3-r0", 1},
		{Alpine, "1.2-r0", "1.2.1-r0", -1},
		{Alpine, "3.1.4-r5", "3.1.4-r5", 0},
		{PyPI, "1.0.dev1", "1.0a1", -1},
		{PyPI, "1.0a1", "1.0b1", -1},
		{PyPI, "1.0rc1", "1.0", -1},
		{PyPI, "1.0", "1.0.post1", -1},
		{PyPI, "1.0", "1.0.0", 0},
		{PyPI, "1!0.1", "2.0", 1},
		{PyPI, "2.31.0", "2.4.0", 1},
		{PyPI, "1.0.post1.dev1", "1.0.post1", -1},
	}
	for _, tt := range tests {
		got, ok := comparer(tt.eco)(tt.a, tt.b)
		if !ok || got != tt.want {
			t.Errorf("%s: compare(%q, %q) = %d, %v; want %d", tt.eco, tt.a, tt.b, got, ok, tt.want)
		}
		back, _ := comparer(tt.eco)(tt.b, tt.a)
		if back != -tt.want {
			t.Errorf("%s: compare(%q, %q) = %d, want %d", tt.eco, tt.b, tt.a, back, -tt.want)
		}
	}
}

func TestCompareUnreadable(t *testing.T) {
	for _, tt := range []struct{ eco, v string }{
		{Go, "(devel)"}, {Npm, "latest"}, {Debian, "a1.0"}, {Debian, "x:1.0"}, {Alpine, "1.x-r0"}, {PyPI, "one"},
	} {
		if _, ok := comparer(tt.eco)(tt.v, "1.0"); ok {
			t.Errorf("%s: %q read as a version", tt.eco, tt.v)
		}
	}
	if comparer("crates.io") != nil {
		t.Error("crates.io has a version order; the docs say it is not covered")
	}
}
