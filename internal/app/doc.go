// Package app is the command line: it parses flags, wires real clients into
// the pipeline, prints results and maps errors to exit codes.
package app
