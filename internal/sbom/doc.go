// Package sbom lists the software an image carries (OS packages, Go
// modules, language lock files) by streaming its layers, and writes the
// list as an SPDX 2.3 document.
package sbom
