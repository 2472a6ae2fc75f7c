package app

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/lock"
	"github.com/x-platform/x-platform/internal/plan"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/sbom"
)

func sbomCommand() *cli.Command {
	return &cli.Command{
		Name:      "sbom",
		Usage:     "print the SBOM attested for a service's pinned image (" + lock.FileName + ", else its checkout's commit): a table, or the SPDX document with --output json",
		ArgsUsage: "SERVICE",
		Action:    runSBOM,
	}
}

func runSBOM(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageError{fmt.Errorf("sbom takes one SERVICE, got %d arguments %q", c.NArg(), c.Args().Slice())}
	}
	format := outputFormat(c)
	if format != "text" && format != "json" {
		return usageError{fmt.Errorf("--output must be text or json, not %q", format)}
	}
	m, err := loadManifest(c)
	if err != nil {
		return err
	}
	sel, err := plan.Select(m, c.Args().Slice())
	if err != nil {
		return err
	}
	v, versions, err := pinnedToVerify(c, m, sel[:1])
	if err != nil {
		return err
	}
	ver := versions[0]
	progress(c).Stepf(ver.Name, "reading the SBOM of %s@%s", ver.Image, ver.Digest)
	// The SBOM is only worth what its signer is: the image must be signed
	// by the key, as verify checks it, and the SBOM attested with it.
	if err := v.CheckSignature(c.Context, ver.Image, ver.Digest); err != nil {
		return fmt.Errorf("%s: %w", ver.Name, err)
	}
	doc, err := v.SBOM(c.Context, ver.Image, ver.Digest, sbom.PredicateType)
	if err != nil {
		return fmt.Errorf("%s: %w", ver.Name, err)
	}
	if format == "json" {
		return writeOut(report.JSON(c.App.Writer, doc))
	}
	pkgs, err := sbom.Contents(doc)
	if err != nil {
		return fmt.Errorf("%s: %w", ver.Name, err)
	}
	return writeOut(writeSBOMTable(c.App.Writer, pkgs))
}

func writeOut(err error) error {
	if err != nil {
		return fmt.Errorf("writing the SBOM: %w", err)
	}
	return nil
}

func writeSBOMTable(w io.Writer, pkgs []sbom.Package) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tNAME\tVERSION\tFOUND IN")
	for _, p := range pkgs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Type, p.Name, p.Version, p.Source)
	}
	return tw.Flush()
}
