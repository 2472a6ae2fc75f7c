package report

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// VerifyReport is verify's JSON document.
type VerifyReport struct {
	Command  string          `json:"command"`
	OK       bool            `json:"ok"`
	Services []VerifyService `json:"services"`
	// DurationMs is how long verifying took, in milliseconds.
	DurationMs int64 `json:"durationMs"`
}

// VerifyService is what verify found for one service's image.
type VerifyService struct {
	Name   string `json:"name"`
	Image  string `json:"image"`
	Digest string `json:"digest"`
	// Signature and Attestation are ok, missing, invalid or (provenance
	// that describes another image) mismatch; "" when the check could not
	// run, and Error says why.
	Signature   string `json:"signature"`
	Attestation string `json:"attestation"`
	Error       string `json:"error,omitempty"`
}

// WriteVerifyTable prints a verify report for people: a line per image,
// then why each check that could not run or found a mismatch did so.
func WriteVerifyTable(w io.Writer, r VerifyReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tIMAGE\tSIGNATURE\tATTESTATION")
	for _, s := range r.Services {
		sig, att := s.Signature, s.Attestation
		if sig == "" {
			sig, att = "error", "error"
		}
		fmt.Fprintf(tw, "%s\t%s@%s\t%s\t%s\n", s.Name, s.Image, s.Digest, sig, att)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// A mismatch needs its story: what the provenance says instead.
	for _, s := range r.Services {
		if s.Error != "" && (s.Signature == "" || s.Attestation == "mismatch") {
			if _, err := fmt.Fprintf(w, "%s: %s\n", s.Name, s.Error); err != nil {
				return err
			}
		}
	}
	return nil
}
