// Package shortsha shortens commit SHAs and image digests for people to
// read, at the lengths every output of the platform uses.
package shortsha
