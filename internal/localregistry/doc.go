// Package localregistry runs the reference container registry (distribution) inside this
// process on a loopback address, for tests and demos that must not reach a public registry.
package localregistry
