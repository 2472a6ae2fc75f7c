// Package image names service images and looks them up in container registries without pulling them.
package image
