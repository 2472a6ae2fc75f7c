package report

import (
	"bytes"
	"testing"
)

func TestWriteIndentsAndEndsWithNewline(t *testing.T) {
	var b bytes.Buffer
	doc := struct {
		Command  string   `json:"command"`
		OK       bool     `json:"ok"`
		Services []string `json:"services"`
		Error    string   `json:"error,omitempty"`
	}{Command: "build", OK: true, Services: []string{"a<b>&c"}}
	if err := JSON(&b, doc); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"command\": \"build\",\n  \"ok\": true,\n  \"services\": [\n    \"a\\u003cb\\u003e\\u0026c\"\n  ]\n}\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}
