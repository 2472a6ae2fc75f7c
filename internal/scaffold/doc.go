// Package scaffold writes a starting platform — x-platform.yml, a kustomize
// base and overlay, a .gitignore — from existing git repositories.
package scaffold
