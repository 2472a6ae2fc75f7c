// Command schema writes the JSON Schema of x-platform.yml, made from the
// keys the manifest's decoder accepts, to the file its argument names
// (go generate ./internal/manifest writes docs/x-platform.schema.json).
package main

import (
	"fmt"
	"os"

	"github.com/x-platform/x-platform/internal/atomicfile"
	"github.com/x-platform/x-platform/internal/manifest"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./hack/schema FILE")
		os.Exit(2)
	}
	if err := write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "schema:", err)
		os.Exit(1)
	}
}

func write(path string) error {
	b, err := manifest.SchemaJSON()
	if err != nil {
		return err
	}
	return atomicfile.Write(path, b, 0o644)
}
