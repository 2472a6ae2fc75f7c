package yamldiff

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestUnified(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, a, b, want string
	}{
		{name: "equal", a: "x\ny\n", b: "x\ny\n", want: ""},
		{name: "created", a: "", b: "a\nb\n", want: "--- A\n+++ B\n@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{name: "deleted", a: "a\n", b: "", want: "--- A\n+++ B\n@@ -1,1 +0,0 @@\n-a\n"},
		{
			name: "one change in the middle",
			a:    "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
			b:    "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			want: "--- A\n+++ B\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
		},
		{
			name: "two hunks",
			a:    "a\n1\n2\n3\n4\n5\n6\n7\n8\n9\nb\n",
			b:    "A\n1\n2\n3\n4\n5\n6\n7\n8\n9\nB\n",
			want: "--- A\n+++ B\n@@ -1,4 +1,4 @@\n-a\n+A\n 1\n 2\n 3\n@@ -8,4 +8,4 @@\n 7\n 8\n 9\n-b\n+B\n",
		},
	}
	for _, tt := range tests {
		if got := Unified("A", "B", tt.a, tt.b); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestObjects(t *testing.T) {
	t.Parallel()
	live := &unstructured.Unstructured{Object: map[string]any{"kind": "ConfigMap", "data": map[string]any{"k": "1"}}}
	want := &unstructured.Unstructured{Object: map[string]any{"kind": "ConfigMap", "data": map[string]any{"k": "2"}}}
	got, err := Objects("configmap/a", live, want)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "-  k: \"1\"\n+  k: \"2\"\n") || !strings.HasPrefix(got, "--- live/configmap/a\n+++ rendered/configmap/a\n") {
		t.Errorf("diff:\n%s", got)
	}
}
