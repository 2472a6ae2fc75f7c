package app

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/scaffold"
	"github.com/x-platform/x-platform/internal/scaffold/skaffold"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:  "import",
		Usage: "write a starting platform from another tool's configuration (import skaffold [FILE])",
		Subcommands: []*cli.Command{{
			Name:      "skaffold",
			Usage:     "write " + manifest.FileName + ", k8s/ bases and overlays and .gitignore from a Skaffold config (v2 and later), listing what has no equivalent",
			ArgsUsage: "[FILE]",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "registry", Usage: "registry `host[:port][/path]` the services' images are pushed below (required)"},
				&cli.StringFlag{Name: "env", Value: "dev", Usage: "name of the environment of the configs' own manifests; each profile with manifests of its own becomes another"},
				&cli.BoolFlag{Name: "overwrite", Usage: "overwrite files that exist instead of refusing"},
			},
			Action:       runImportSkaffold,
			OnUsageError: onUsageError,
		}},
		Action: func(c *cli.Context) error {
			return usageError{fmt.Errorf("import needs the kind of configuration: skaffold [FILE] (got %q)", c.Args().Slice())}
		},
	}
}

// importReport is import skaffold's --output json document.
type importReport struct {
	Command      string                 `json:"command"`
	Files        []string               `json:"files"`
	Services     []skaffold.Service     `json:"services"`
	Environments []skaffold.Environment `json:"environments"`
	// Unconverted lists what has no equivalent, Notes what x-platform
	// does its own way; each with its file and line.
	Unconverted []skaffold.Item `json:"unconverted"`
	Notes       []skaffold.Item `json:"notes"`
}

func runImportSkaffold(c *cli.Context) error {
	if c.NArg() > 1 {
		return usageError{fmt.Errorf("import skaffold takes one FILE, not %q", c.Args().Slice())}
	}
	o := skaffold.Options{File: c.Args().First(), Registry: c.String("registry"), Env: c.String("env")}
	if o.File == "" {
		o.File = "skaffold.yaml"
	}
	root, git, err := startPlatform(c, "import skaffold", o.Registry, o.Env)
	if err != nil {
		return err
	}
	o.Root = root
	res, err := skaffold.Import(c.Context, git, o)
	if err != nil {
		return err
	}
	written, err := scaffold.Write(root, res.Files, c.Bool("overwrite"))
	if err != nil {
		return err
	}
	if !c.Bool("quiet") {
		for _, it := range res.Notes {
			fmt.Fprintf(c.App.ErrWriter, "%s:%d: note: %s — %s\n", it.File, it.Line, it.What, it.Why)
		}
		if len(res.Unconverted) > 0 {
			fmt.Fprintf(c.App.ErrWriter, "not converted (%d):\n", len(res.Unconverted))
		}
		for _, it := range res.Unconverted {
			fmt.Fprintln(c.App.ErrWriter, it.String())
		}
	}
	if outputFormat(c) == "json" {
		rep := importReport{Command: "import skaffold", Files: written, Services: res.Services, Environments: res.Environments, Unconverted: res.Unconverted, Notes: res.Notes}
		if rep.Environments == nil {
			rep.Environments = []skaffold.Environment{}
		}
		if rep.Unconverted == nil {
			rep.Unconverted = []skaffold.Item{}
		}
		if rep.Notes == nil {
			rep.Notes = []skaffold.Item{}
		}
		return report.JSON(c.App.Writer, rep)
	}
	for _, f := range written {
		fmt.Fprintln(c.App.Writer, filepath.Join(root, f))
	}
	return nil
}
