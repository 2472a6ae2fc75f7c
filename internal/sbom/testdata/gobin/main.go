// Command gobin is a Go binary for the tests to find modules in.
package main

import (
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
)

func main() {
	ref, err := name.ParseReference("example.com/app:v1")
	fmt.Println(ref, err)
}
