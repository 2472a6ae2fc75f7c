package report

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// ScanReport is scan's JSON document.
type ScanReport struct {
	Command string `json:"command"`
	// OK is false when a finding fails the policy or an image could not
	// be scanned.
	OK         bool   `json:"ok"`
	Database   string `json:"database"`
	Advisories int    `json:"advisories"`
	// FailOn is the lowest severity that fails: none, unknown, low,
	// medium, high or critical.
	FailOn     string        `json:"failOn"`
	Env        string        `json:"env,omitempty"`
	Services   []ScanService `json:"services"`
	DurationMs int64         `json:"durationMs"`
}

// ScanService is what scan found in one service's image.
type ScanService struct {
	Name   string `json:"name"`
	Image  string `json:"image"`
	Digest string `json:"digest"`
	// SBOM says where the packages were read: "attestation" (the signed
	// SBOM) or "image" (its layers).
	SBOM     string        `json:"sbom"`
	Packages int           `json:"packages"`
	Findings []ScanFinding `json:"findings"`
	Error    string        `json:"error,omitempty"`
}

// ScanFinding is one advisory that names a package of an image, and what
// the vulnerability policy says of it.
type ScanFinding struct {
	Package   string   `json:"package"`
	Version   string   `json:"version"`
	Ecosystem string   `json:"ecosystem"`
	Advisory  string   `json:"advisory"`
	Aliases   []string `json:"aliases,omitempty"`
	Summary   string   `json:"summary,omitempty"`
	// Severity is the severity's name: unknown, low, medium, high or
	// critical.
	Severity string `json:"severity"`
	// Fixed is the first version without the advisory; "" when none is known.
	Fixed string `json:"fixed,omitempty"`
	// Source is the file of the image the package was found in.
	Source string `json:"source,omitempty"`
	// Verdict is fails, ignored or passes.
	Verdict string `json:"verdict"`
	// Note says why: the reason of the ignore entry that accepts it, or
	// that an entry expired and the finding counts again.
	Note string `json:"note,omitempty"`
}

// WriteScanTable prints a scan report for people: a line per finding (or
// per clean or failed image), then the notes and errors.
func WriteScanTable(w io.Writer, r ScanReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tPACKAGE\tVERSION\tADVISORY\tSEVERITY\tFIXED\tVERDICT")
	var notes []string
	for _, s := range r.Services {
		if s.Error != "" {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\terror\n", s.Name)
			notes = append(notes, s.Error)
			continue
		}
		if len(s.Findings) == 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\tclean (%d packages)\n", s.Name, s.Packages)
		}
		for _, f := range s.Findings {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, f.Package, f.Version, f.Advisory, f.Severity, orDash(f.Fixed), f.Verdict)
			if f.Note != "" {
				notes = append(notes, fmt.Sprintf("%s: %s %s: %s", s.Name, f.Package, f.Advisory, f.Note))
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range notes {
		if _, err := fmt.Fprintln(w, n); err != nil {
			return err
		}
	}
	return nil
}
