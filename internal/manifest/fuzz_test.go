package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that no input makes Parse panic and that every problem
// it reports points somewhere in the file.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("services: {a: &a {<<: [*a]}}\n"))
	f.Add([]byte("a: b\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("x.yml", data)
		if err == nil {
			if len(m.Services) == 0 {
				t.Fatal("a manifest without services was accepted")
			}
			return
		}
		var errs Errors
		if !errors.As(err, &errs) {
			t.Fatalf("error %v (%T) is not Errors", err, err)
		}
		lines := 1
		for rest := data; len(rest) > 0; {
			if n := lineBreak(rest); n > 0 {
				lines++
				rest = rest[n:]
				continue
			}
			_, size := utf8.DecodeRune(rest)
			rest = rest[size:]
		}
		for _, e := range errs {
			if e.Line < 1 || e.Line > lines || e.Col < 1 {
				t.Errorf("problem outside the %d-line file: %v", lines, e)
			}
		}
	})
}
