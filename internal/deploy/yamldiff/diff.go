package yamldiff

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// context is how many unchanged lines surround each change.
const context = 3

// Objects diffs two versions of an object; nil stands for absent.
func Objects(name string, live, want *unstructured.Unstructured) (string, error) {
	a, err := toYAML(live)
	if err != nil {
		return "", err
	}
	b, err := toYAML(want)
	if err != nil {
		return "", err
	}
	return Unified("live/"+name, "rendered/"+name, a, b), nil
}

func toYAML(u *unstructured.Unstructured) (string, error) {
	if u == nil {
		return "", nil
	}
	out, err := yaml.Marshal(u.Object)
	if err != nil {
		return "", fmt.Errorf("encoding %s: %w", u.GetName(), err)
	}
	return string(out), nil
}

// Unified is a unified diff of two texts, "" when they are equal.
func Unified(nameA, nameB, a, b string) string {
	x, y := lines(a), lines(b)
	ops := edits(x, y)
	var out strings.Builder
	for start := 0; start < len(ops); {
		// Find the next change and the hunk around it.
		for start < len(ops) && ops[start].kind == ' ' {
			start++
		}
		if start == len(ops) {
			break
		}
		lo := max(start-context, 0)
		hi, quiet := start, 0
		for hi < len(ops) && quiet <= 2*context {
			if ops[hi].kind == ' ' {
				quiet++
			} else {
				quiet = 0
			}
			hi++
		}
		hi = min(hi-max(quiet-context, 0), len(ops))
		if out.Len() == 0 {
			fmt.Fprintf(&out, "--- %s\n+++ %s\n", nameA, nameB)
		}
		ai, bi, an, bn := ops[lo].ai, ops[lo].bi, 0, 0
		for _, op := range ops[lo:hi] {
			if op.kind != '+' {
				an++
			}
			if op.kind != '-' {
				bn++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", span(ai, an), span(bi, bn))
		for _, op := range ops[lo:hi] {
			out.WriteByte(op.kind)
			out.WriteString(op.text)
			out.WriteByte('\n')
		}
		start = hi
	}
	return out.String()
}

func span(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

type op struct {
	kind   byte // ' ', '-' or '+'
	text   string
	ai, bi int // lines of a and b before this one
}

// edits is a shortest edit script by longest common subsequence; objects
// are small enough for the quadratic table.
func edits(a, b []string) []op {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []op
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, op{' ', a[i], i, j})
			i, j = i+1, j+1
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, op{'-', a[i], i, j})
			i++
		default:
			ops = append(ops, op{'+', b[j], i, j})
			j++
		}
	}
	return ops
}
