// Package baseimage makes small base images in the local Docker engine by importing a root
// filesystem built on this machine, so that nothing is ever pulled from a public registry.
package baseimage
