package app

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/lock"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/sign"
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
	Name        string      `json:"name"`
	Image       string      `json:"image"`
	Digest      string      `json:"digest"`
	Signature   sign.Status `json:"signature"`
	Attestation sign.Status `json:"attestation"`
	Error       string      `json:"error,omitempty"`
}

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "check the signatures and provenance of the services' pinned images (" + lock.FileName + ", else the checkouts' commits)",
		Flags: []cli.Flag{servicesFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError{fmt.Errorf("verify takes no arguments (got %q); use --services", c.Args().Slice())}
			}
			m, sel, err := loadSelected(c)
			if err != nil {
				return err
			}
			reg, err := newRegistry(m)
			if err != nil {
				return err
			}
			v, err := newVerifier(m, reg)
			if err != nil {
				return err
			}
			versions, err := pinnedVersions(c, m, sel)
			if err != nil {
				return err
			}
			rep := VerifyReport{Command: "verify", OK: true, Services: []VerifyService{}}
			p := progress(c)
			for _, ver := range versions {
				s := VerifyService{Name: ver.Name, Image: ver.Pin().NewName, Digest: ver.Digest}
				p.Stepf(ver.Name, "checking %s@%s", ver.Image, ver.Digest)
				r, err := v.Verify(c.Context, image.Cut(ver.Image), ver.Digest, sign.Expected{Service: ver.Name, Commit: ver.Commit})
				s.Signature, s.Attestation, s.Error = r.Signature, r.Attestation, r.Problem
				if err != nil {
					s.Error = err.Error()
				}
				if err != nil || !r.OK() {
					rep.OK = false
				}
				rep.Services = append(rep.Services, s)
			}
			rep.DurationMs = elapsedMs(c)
			if err := writeResult(c, rep, func(w io.Writer) error { return writeVerifyTable(w, rep) }); err != nil {
				return err
			}
			if !rep.OK {
				return errFailed
			}
			return nil
		},
	}
}

// pinnedVersions are the images of services as x-platform.lock pins them
// when there is one, else as deploy would resolve them: the checkouts'
// commits, looked up in the registry.
func pinnedVersions(c *cli.Context, m *manifest.Manifest, services []*manifest.Service) ([]deploy.Version, error) {
	_, err := lock.Read(lock.Path(m))
	e := &deploy.Environment{Manifest: m, Locked: err == nil}
	switch {
	case e.Locked:
	case !errors.Is(err, lock.ErrNoLock):
		return nil, err
	default:
		if e.Images, err = newRegistry(m); err != nil {
			return nil, err
		}
	}
	return e.Resolve(c.Context, services)
}

func writeVerifyTable(w io.Writer, r VerifyReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tIMAGE\tSIGNATURE\tATTESTATION")
	for _, s := range r.Services {
		sig, att := string(s.Signature), string(s.Attestation)
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
		if s.Error != "" && (s.Signature == "" || s.Attestation == sign.Mismatch) {
			if _, err := fmt.Fprintf(w, "%s: %s\n", s.Name, s.Error); err != nil {
				return err
			}
		}
	}
	return nil
}
