// Package sign signs images by digest and attaches their SLSA provenance as
// cosign does, and checks both, offline, with a cosign key pair file.
package sign
