// Package buildkit builds service images on BuildKit: the Docker engine's own
// daemon or a pool of buildkitd endpoints. A build is one solve: the
// commit's tree, the scripts in the builder image, then the Dockerfile with
// the scripts' result as its context, exported with the image's names.
package buildkit
