// Package yamldiff shows how an object would change as a unified diff of its YAML.
package yamldiff
