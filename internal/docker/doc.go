// Package docker drives the Docker Engine API for builds: builder containers, image builds, pushes and pulls.
package docker
