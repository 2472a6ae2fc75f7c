package image

import "strings"

// BranchTag turns a branch or tag name into a valid docker tag, matching
// [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}: "feature/x" becomes "feature-x". It
// returns "" when no usable character is left.
func BranchTag(name string) string {
	name = strings.TrimPrefix(name, "origin/")
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			b[i] = '-'
		}
	}
	tag := strings.TrimLeft(string(b), ".-")
	if len(tag) > 128 {
		tag = tag[:128]
	}
	return tag
}
