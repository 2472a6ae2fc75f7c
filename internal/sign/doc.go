// Package sign signs images by digest and attaches their SLSA provenance and
// SBOM as cosign does, and checks them, offline, with a cosign key pair file.
package sign
