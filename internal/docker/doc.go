// Package docker is what the local Docker engine is still asked: whether it has an image, pull, push, tag, and a way to its BuildKit.
package docker
