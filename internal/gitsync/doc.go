// Package gitsync brings a service's checkout to a branch, tag or commit of its
// remote with go-git, refusing to discard local work unless told to save it.
package gitsync
