// Package render builds a kustomize overlay in process, with the service images pinned by digest.
package render
