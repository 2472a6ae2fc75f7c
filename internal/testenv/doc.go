// Package testenv starts the real parts tests need: the Docker engine with locally made base
// images, a container registry on loopback, and git remotes.
package testenv
