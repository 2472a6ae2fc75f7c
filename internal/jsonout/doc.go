// Package jsonout writes the one JSON document a command prints on stdout
// with --output json, so every report is encoded the same way.
package jsonout
