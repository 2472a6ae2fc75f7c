package vuln

import (
	"strconv"
	"strings"
)

// compareDpkg orders Debian versions as dpkg does (Debian policy 5.6.12):
// [epoch:]upstream[-revision], each part compared by verrevcmp.
func compareDpkg(a, b string) (int, bool) {
	ea, ua, ra, ok1 := splitDpkg(a)
	eb, ub, rb, ok2 := splitDpkg(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	if ea != eb {
		return sign(ea - eb), true
	}
	if c := verrevcmp(ua, ub); c != 0 {
		return c, true
	}
	return verrevcmp(ra, rb), true
}

func splitDpkg(v string) (epoch int, upstream, revision string, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, "", "", false
	}
	if e, rest, found := strings.Cut(v, ":"); found {
		n, err := strconv.Atoi(e)
		if err != nil || n < 0 {
			return 0, "", "", false
		}
		epoch, v = n, rest
	}
	upstream = v
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		upstream, revision = v[:i], v[i+1:]
	}
	return epoch, upstream, revision, upstream != "" && (upstream[0] >= '0' && upstream[0] <= '9')
}

// dpkgOrder is the weight of a non-digit character: ~ before the end,
// the end before letters, letters before the rest.
func dpkgOrder(c byte) int {
	switch {
	case c == '~':
		return -1
	case c >= '0' && c <= '9':
		return 0
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		return int(c)
	}
	return int(c) + 256
}

func verrevcmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isDigit(a[i]) || j < len(b) && !isDigit(b[j]) {
			ac, bc := 0, 0
			if i < len(a) && !isDigit(a[i]) {
				ac = dpkgOrder(a[i])
			}
			if j < len(b) && !isDigit(b[j]) {
				bc = dpkgOrder(b[j])
			}
			if ac != bc {
				return sign(ac - bc)
			}
			i, j = i+1, j+1
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		first := 0
		for i < len(a) && isDigit(a[i]) && j < len(b) && isDigit(b[j]) {
			if first == 0 {
				first = int(a[i]) - int(b[j])
			}
			i, j = i+1, j+1
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if first != 0 {
			return sign(first)
		}
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
