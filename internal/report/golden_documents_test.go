package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// checkDocumentGolden compares a document's JSON and its text for people with
// testdata/<name>.json and .txt, written by the code that printed these
// documents before they lived here: their bytes are what scripts parse.
func checkDocumentGolden(t *testing.T, name string, doc any, text func(*bytes.Buffer) error) {
	t.Helper()
	var j, txt bytes.Buffer
	if err := JSON(&j, doc); err != nil {
		t.Fatal(err)
	}
	if err := text(&txt); err != nil {
		t.Fatal(err)
	}
	for ext, got := range map[string][]byte{".json": j.Bytes(), ".txt": txt.Bytes()} {
		want, err := os.ReadFile(filepath.Join("testdata", name+ext))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s%s differs from the golden file:\ngot:\n%s\nwant:\n%s", name, ext, got, want)
		}
	}
}
