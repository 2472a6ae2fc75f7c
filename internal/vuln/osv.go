package vuln

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Advisory is what a finding says of the OSV entry it comes from.
type Advisory struct {
	ID       string
	Aliases  []string
	Summary  string
	Severity Severity
}

// Names says whether id is the advisory's ID or one of its aliases.
func (a *Advisory) Names(id string) bool {
	if strings.EqualFold(a.ID, id) {
		return true
	}
	for _, al := range a.Aliases {
		if strings.EqualFold(al, id) {
			return true
		}
	}
	return false
}

// The part of the OSV schema (ossf.github.io/osv-schema) read here; other
// fields are skipped by the decoder.
type osvEntry struct {
	ID        string     `json:"id"`
	Aliases   []string   `json:"aliases"`
	Summary   string     `json:"summary"`
	Withdrawn string     `json:"withdrawn"`
	Severity  []severity `json:"severity"`
	Affected  []affected `json:"affected"`
	Database  struct {
		Severity string `json:"severity"`
	} `json:"database_specific"`
}

type severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

type affected struct {
	Package struct {
		Ecosystem string `json:"ecosystem"`
		Name      string `json:"name"`
	} `json:"package"`
	Ranges    []osvRange `json:"ranges"`
	Versions  []string   `json:"versions"`
	Severity  []severity `json:"severity"`
	Ecosystem struct {
		Severity string `json:"severity"`
	} `json:"ecosystem_specific"`
}

type osvRange struct {
	Type   string  `json:"type"`
	Events []event `json:"events"`
}

type event struct {
	Introduced   string `json:"introduced"`
	Fixed        string `json:"fixed"`
	LastAffected string `json:"last_affected"`
	Limit        string `json:"limit"`
}

// parse reads one OSV entry; the entry must have an id, and what it says
// is affected must name an ecosystem, a package and well-formed ranges.
func parse(r io.Reader) (*osvEntry, error) {
	var e osvEntry
	dec := json.NewDecoder(r)
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("decoding the advisory: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("decoding the advisory: more than one JSON value")
	}
	if e.ID == "" {
		return nil, errors.New("the advisory has no id")
	}
	for i, a := range e.Affected {
		if a.Package.Name == "" || a.Package.Ecosystem == "" {
			return nil, fmt.Errorf("%s: affected[%d] names no package (ecosystem and name)", e.ID, i)
		}
		for j, rg := range a.Ranges {
			if rg.Type == "" {
				return nil, fmt.Errorf("%s: affected[%d].ranges[%d] has no type", e.ID, i, j)
			}
			for _, ev := range rg.Events {
				if ev.Introduced == "" && ev.Fixed == "" && ev.LastAffected == "" && ev.Limit == "" {
					return nil, fmt.Errorf("%s: affected[%d].ranges[%d] has an empty event", e.ID, i, j)
				}
			}
		}
	}
	return &e, nil
}

// severityOf rates an entry: a CVSS v3 vector's base score, else the
// database's own rating (GitHub's LOW, MODERATE, HIGH, CRITICAL).
func severityOf(e *osvEntry, a *affected) Severity {
	for _, list := range [][]severity{a.Severity, e.Severity} {
		for _, s := range list {
			if s.Type == "CVSS_V3" {
				if score, err := CVSS3(s.Score); err == nil {
					return FromScore(score)
				}
			}
		}
	}
	for _, s := range []string{a.Ecosystem.Severity, e.Database.Severity} {
		if sev := FromRating(s); sev != Unknown {
			return sev
		}
	}
	return Unknown
}
