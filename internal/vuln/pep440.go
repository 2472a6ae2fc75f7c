package vuln

import (
	"cmp"
	"regexp"
	"strconv"
	"strings"
)

// pep440 reads the public part of a PEP 440 version: epoch, release,
// pre-release, post-release and dev-release; a local part (+…) is dropped.
var pep440 = regexp.MustCompile(`^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?(?:-(\d+)|[-_.]?(?:post|rev|r)[-_.]?(\d*))?(?:[-_.]?dev[-_.]?(\d*))?(?:\+[a-z0-9.]*)?$`)

// pyVersion is a version as a sort key.
type pyVersion struct {
	epoch   int
	release []int
	// pre is the pre-release (phase a=1, b=2, rc=3; 4 for none, so a
	// release sorts after its pre-releases), post -1 for none, dev
	// max for none, and a dev release of a release with none of them
	// sorts before its pre-releases.
	pre        [2]int
	post, dev  int
	devOfFinal bool
}

func parsePEP440(v string) (pyVersion, bool) {
	m := pep440.FindStringSubmatch(strings.ToLower(strings.TrimSpace(v)))
	if m == nil {
		return pyVersion{}, false
	}
	var p pyVersion
	p.epoch, _ = strconv.Atoi(m[1])
	for _, s := range strings.Split(m[2], ".") {
		n, _ := strconv.Atoi(s)
		p.release = append(p.release, n)
	}
	for len(p.release) > 1 && p.release[len(p.release)-1] == 0 {
		p.release = p.release[:len(p.release)-1]
	}
	p.pre = [2]int{4, 0}
	if m[3] != "" {
		phase := map[string]int{"a": 1, "alpha": 1, "b": 2, "beta": 2, "c": 3, "rc": 3, "pre": 3, "preview": 3}[m[3]]
		n, _ := strconv.Atoi(m[4])
		p.pre = [2]int{phase, n}
	}
	p.post = -1
	if post := m[5] + m[6]; post != "" || strings.Contains(m[0], "post") {
		p.post, _ = strconv.Atoi(post)
	}
	p.dev = int(^uint(0) >> 1)
	if strings.Contains(m[0], "dev") {
		p.dev, _ = strconv.Atoi(m[7])
		p.devOfFinal = m[3] == "" && p.post < 0
	}
	return p, true
}

// comparePEP440 orders Python versions as PEP 440 does (its ordering
// rules, without local versions).
func comparePEP440(a, b string) (int, bool) {
	pa, ok1 := parsePEP440(a)
	pb, ok2 := parsePEP440(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	if c := cmp.Compare(pa.epoch, pb.epoch); c != 0 {
		return c, true
	}
	for i := 0; i < max(len(pa.release), len(pb.release)); i++ {
		var x, y int
		if i < len(pa.release) {
			x = pa.release[i]
		}
		if i < len(pb.release) {
			y = pb.release[i]
		}
		if c := cmp.Compare(x, y); c != 0 {
			return c, true
		}
	}
	preA, preB := pa.pre, pb.pre
	if pa.devOfFinal {
		preA = [2]int{0, 0}
	}
	if pb.devOfFinal {
		preB = [2]int{0, 0}
	}
	return cmp.Or(cmp.Compare(preA[0], preB[0]), cmp.Compare(preA[1], preB[1]),
		cmp.Compare(pa.post, pb.post), cmp.Compare(pa.dev, pb.dev)), true
}
