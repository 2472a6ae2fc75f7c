package app

import (
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/lock"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/sign"
)

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
			v, versions, err := pinnedToVerify(c, m, sel)
			if err != nil {
				return err
			}
			rep := report.VerifyReport{Command: "verify", OK: true, Services: []report.VerifyService{}}
			p := progress(c)
			for _, ver := range versions {
				p.Stepf(ver.Name, "checking %s@%s", ver.Image, ver.Digest)
				r, err := v.Verify(c.Context, ver.Image, ver.Digest, sign.Expected{Service: ver.Name, Commit: ver.Commit})
				if err != nil || !r.OK() {
					rep.OK = false
				}
				rep.Services = append(rep.Services, verified(ver, r, err))
			}
			rep.DurationMs = elapsedMs(c)
			if err := writeResult(c, rep, func(w io.Writer) error { return report.WriteVerifyTable(w, rep) }); err != nil {
				return err
			}
			if !rep.OK {
				return errFailed
			}
			return nil
		},
	}
}

// pinnedToVerify opens a verifier of m's signing key and finds the
// images of services as pinnedVersions does: what verify and sbom check.
func pinnedToVerify(c *cli.Context, m *manifest.Manifest, services []*manifest.Service) (*sign.Verifier, []deploy.Version, error) {
	reg, err := newRegistry(m)
	if err != nil {
		return nil, nil, err
	}
	v, err := newVerifier(m, reg)
	if err != nil {
		return nil, nil, err
	}
	versions, err := pinnedVersions(c, m, services)
	if err != nil {
		return nil, nil, err
	}
	return v, versions, nil
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

// verified is the part of verify's document of the image of ver, as
// Verify found it: r, or err when it could not check.
func verified(ver deploy.Version, r sign.Result, err error) report.VerifyService {
	s := report.VerifyService{Name: ver.Name, Image: ver.Pin().NewName, Digest: ver.Digest,
		Signature: string(r.Signature), Attestation: string(r.Attestation), Error: r.Problem}
	if err != nil {
		s.Error = err.Error()
	}
	return s
}
