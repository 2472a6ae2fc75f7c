package app

import (
	"fmt"
	"io"

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
	rep := importReportOf(written, res)
	return writeResult(c, rep, func(w io.Writer) error { return report.WriteImportFiles(w, root, rep) })
}

// importReportOf is import skaffold's document of res, with the files
// written (relative to the platform's root).
func importReportOf(written []string, res *skaffold.Result) report.ImportReport {
	rep := report.ImportReport{Command: "import skaffold", Files: written, Services: make([]report.ImportService, 0, len(res.Services)),
		Environments: make([]report.ImportEnvironment, 0, len(res.Environments)),
		Unconverted:  importItems(res.Unconverted), Notes: importItems(res.Notes)}
	for _, s := range res.Services {
		rep.Services = append(rep.Services, report.ImportService{Name: s.Name, Image: s.Image, Remote: s.Remote, Reference: s.Reference,
			Path: s.Path, From: s.From, Dockerfile: s.Dockerfile, Target: s.Target, Platforms: s.Platforms})
	}
	for _, e := range res.Environments {
		rep.Environments = append(rep.Environments, report.ImportEnvironment{Name: e.Name, Profile: e.Profile})
	}
	return rep
}

func importItems(items []skaffold.Item) []report.ImportItem {
	out := make([]report.ImportItem, 0, len(items))
	for _, it := range items {
		out = append(out, report.ImportItem{File: it.File, Line: it.Line, What: it.What, Why: it.Why})
	}
	return out
}
