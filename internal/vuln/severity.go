package vuln

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Severity rates an advisory. Unknown is below Low: an advisory that rates
// itself nowhere fails a policy only when failOn is unknown.
type Severity int

// The severities, in order.
const (
	// None is no severity at all: a policy that fails on None never fails.
	None Severity = iota
	Unknown
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"none", "unknown", "low", "medium", "high", "critical"}

// Severities are the names ParseSeverity takes, lowest first.
func Severities() []string { return severityNames[:] }

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("Severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalJSON writes the severity's name.
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads the severity's name.
func (s *Severity) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return err
	}
	v, err := ParseSeverity(name)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeverity reads a severity's name.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if n == name {
			return Severity(i), nil
		}
	}
	return None, fmt.Errorf("unknown severity %q: want one of %s", name, strings.Join(severityNames[:], ", "))
}

// FromScore maps a CVSS base score to its qualitative rating.
func FromScore(score float64) Severity {
	switch {
	case score >= 9:
		return Critical
	case score >= 7:
		return High
	case score >= 4:
		return Medium
	case score > 0:
		return Low
	}
	return Unknown
}

// FromRating reads a database's own rating, such as GitHub's MODERATE.
func FromRating(r string) Severity {
	switch strings.ToUpper(strings.TrimSpace(r)) {
	case "LOW", "NEGLIGIBLE":
		return Low
	case "MODERATE", "MEDIUM":
		return Medium
	case "HIGH", "IMPORTANT":
		return High
	case "CRITICAL":
		return Critical
	}
	return Unknown
}

// The weights of CVSS v3.1's base metrics (first.org/cvss/v3.1/specification-document).
var cvssWeights = map[string]map[string]float64{
	"AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
	"AC": {"L": 0.77, "H": 0.44},
	"UI": {"N": 0.85, "R": 0.62},
	"C":  {"H": 0.56, "L": 0.22, "N": 0},
	"I":  {"H": 0.56, "L": 0.22, "N": 0},
	"A":  {"H": 0.56, "L": 0.22, "N": 0},
}

// CVSS3 is the base score of a CVSS v3.0 or v3.1 vector.
func CVSS3(vector string) (float64, error) {
	parts := strings.Split(vector, "/")
	if len(parts) == 0 || !strings.HasPrefix(parts[0], "CVSS:3.") {
		return 0, fmt.Errorf("%q is not a CVSS v3 vector", vector)
	}
	m := map[string]string{}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, ":")
		if !ok {
			return 0, fmt.Errorf("CVSS vector %q: bad metric %q", vector, p)
		}
		m[k] = v
	}
	w := map[string]float64{}
	for k, vals := range cvssWeights {
		x, ok := vals[m[k]]
		if !ok {
			return 0, fmt.Errorf("CVSS vector %q: metric %s missing or unknown", vector, k)
		}
		w[k] = x
	}
	changed := m["S"] == "C"
	if m["S"] != "C" && m["S"] != "U" {
		return 0, fmt.Errorf("CVSS vector %q: metric S missing or unknown", vector)
	}
	pr, ok := map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}[m["PR"]]
	if !ok {
		return 0, fmt.Errorf("CVSS vector %q: metric PR missing or unknown", vector)
	}
	if changed && m["PR"] == "L" {
		pr = 0.68
	} else if changed && m["PR"] == "H" {
		pr = 0.5
	}
	iss := 1 - (1-w["C"])*(1-w["I"])*(1-w["A"])
	impact := 6.42 * iss
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	}
	if impact <= 0 {
		return 0, nil
	}
	sum := impact + 8.22*w["AV"]*w["AC"]*pr*w["UI"]
	if changed {
		sum *= 1.08
	}
	return roundUp(math.Min(sum, 10)), nil
}

// roundUp is CVSS v3.1's Roundup: the smallest one-decimal number not
// below x, computed on integers so that 4.0000001 stays 4.0.
func roundUp(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}
