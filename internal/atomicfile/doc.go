// Package atomicfile replaces a file so that readers see the old content or
// the new, never a part, even when the writer is killed half way.
package atomicfile
