// Package lock reads and writes x-platform.lock, the bill of materials of a
// release: per service the commit, cache key and image digest it resolved to.
package lock
