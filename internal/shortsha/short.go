package shortsha

import "strings"

// Length is how many hex digits reports, reasons and errors show of a
// commit or a digest: enough to be unique across a registry's images.
const Length = 12

// GitLength is how many hex digits git itself shows (git log --oneline),
// used where a message quotes commits next to git's own output.
const GitLength = 7

// Commit is a commit SHA's first 12 hex digits; shorter input is returned
// as it is.
func Commit(sha string) string { return first(sha, Length) }

// Digest is a digest's first 12 hex digits without its algorithm
// ("sha256:"); an image ID shortens the same way.
func Digest(digest string) string {
	return first(strings.TrimPrefix(digest, "sha256:"), Length)
}

// Git is a commit SHA's first 7 hex digits, as git prints it.
func Git(sha string) string { return first(sha, GitLength) }

func first(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// DigestWithAlgorithm is a sha256 digest cut after its first 12 hex
// digits, "sha256:" kept, as cleanup's plan shows digests beside tags.
func DigestWithAlgorithm(digest string) string {
	return first(digest, len("sha256:")+Length)
}
