package vuln

import (
	"cmp"
	"strconv"
	"strings"
)

// apkVersion is an Alpine package version:
// number{.number}[letter]{_suffix[number]}[-rrevision].
type apkVersion struct {
	numbers  []int
	letter   byte
	suffixes [][2]int // rank, number
	revision int
}

// apkSuffixes rank suffixes around the release (0): pre-releases below it,
// patch levels above.
var apkSuffixes = map[string]int{"alpha": -4, "beta": -3, "pre": -2, "rc": -1, "cvs": 1, "svn": 2, "git": 3, "hg": 4, "p": 5}

func parseApk(v string) (apkVersion, bool) {
	var out apkVersion
	if i := strings.LastIndex(v, "-r"); i >= 0 {
		n, err := strconv.Atoi(v[i+2:])
		if err != nil {
			return out, false
		}
		out.revision, v = n, v[:i]
	}
	main, sufs, _ := strings.Cut(v, "_")
	if main == "" {
		return out, false
	}
	if c := main[len(main)-1]; c >= 'a' && c <= 'z' {
		out.letter, main = c, main[:len(main)-1]
	}
	for _, p := range strings.Split(main, ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return out, false
		}
		out.numbers = append(out.numbers, n)
	}
	if sufs != "" {
		for _, s := range strings.Split(sufs, "_") {
			name := strings.TrimRight(s, "0123456789")
			rank, ok := apkSuffixes[name]
			if !ok {
				return out, false
			}
			n, _ := strconv.Atoi(s[len(name):])
			out.suffixes = append(out.suffixes, [2]int{rank, n})
		}
	}
	return out, true
}

// compareApk orders Alpine versions as apk does, for the versions it
// writes: numbers, then the letter, then suffixes, then the revision.
func compareApk(a, b string) (int, bool) {
	va, ok1 := parseApk(a)
	vb, ok2 := parseApk(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	for i := 0; i < max(len(va.numbers), len(vb.numbers)); i++ {
		if i >= len(va.numbers) {
			return -1, true
		}
		if i >= len(vb.numbers) {
			return 1, true
		}
		if c := cmp.Compare(va.numbers[i], vb.numbers[i]); c != 0 {
			return c, true
		}
	}
	if c := cmp.Compare(va.letter, vb.letter); c != 0 {
		return c, true
	}
	for i := 0; i < max(len(va.suffixes), len(vb.suffixes)); i++ {
		var sa, sb [2]int
		if i < len(va.suffixes) {
			sa = va.suffixes[i]
		}
		if i < len(vb.suffixes) {
			sb = vb.suffixes[i]
		}
		if c := cmp.Or(cmp.Compare(sa[0], sb[0]), cmp.Compare(sa[1], sb[1])); c != 0 {
			return c, true
		}
	}
	return cmp.Compare(va.revision, vb.revision), true
}
