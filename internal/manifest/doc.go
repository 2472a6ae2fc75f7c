// Package manifest finds, strictly decodes and validates x-platform.yml,
// reporting every problem as file:line:col with the dotted key path.
package manifest
