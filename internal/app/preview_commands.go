package app

import (
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
)

func previewCommand() *cli.Command {
	cluster := func() []cli.Flag {
		return []cli.Flag{
			&cli.StringFlag{Name: "context", Usage: "kubeconfig context (default: the preview template's in the manifest, else the current one)"},
			kubeconfigFlag(),
		}
	}
	sub := []*cli.Command{
		{
			Name: "list", Usage: "list this platform's previews on the cluster (its template's pattern and name): branch, services built from it, created, expires, last revision",
			Flags: cluster(), Action: previewList, OnUsageError: onUsageError,
		},
		{
			Name: "delete", Usage: "delete a preview's namespace with its objects and release records", ArgsUsage: "NAME",
			Flags: cluster(), Action: previewDelete, OnUsageError: onUsageError,
		},
		{
			Name: "gc", Usage: "delete this platform's previews whose ttl ran out; one whose deploy is running is skipped",
			Flags:  append(cluster(), &cli.BoolFlag{Name: "dry-run", Usage: "list the expired previews, delete nothing"}),
			Action: previewGC, OnUsageError: onUsageError,
		},
	}
	return &cli.Command{
		Name:        "preview",
		Usage:       "list, delete and expire preview environments (deploy one with deploy --preview BRANCH)",
		Subcommands: sub,
		Action: func(c *cli.Context) error {
			return usageError{fmt.Errorf("preview needs a command: list, delete NAME or gc (got %q)", c.Args().Slice())}
		},
	}
}

// openPreviews connects to the previews' cluster.
func openPreviews(c *cli.Context) (*deploy.Previews, *manifest.Manifest, error) {
	m, err := loadManifest(c)
	if err != nil {
		return nil, nil, err
	}
	ps, err := deploy.OpenPreviews(c.Context, m, deploy.Target{Kubeconfig: c.String("kubeconfig"), Context: c.String("context")})
	if err != nil {
		return nil, nil, deployError(err)
	}
	return ps, m, nil
}

func previewNames(list []deploy.Preview) []string {
	names := make([]string, 0, len(list))
	for _, p := range list {
		names = append(names, p.Name)
	}
	return names
}

func previewList(c *cli.Context) error {
	if c.NArg() > 0 {
		return usageError{fmt.Errorf("preview list takes no arguments (got %q)", c.Args().Slice())}
	}
	ps, m, err := openPreviews(c)
	if err != nil {
		return err
	}
	list, err := ps.List(c.Context)
	if err != nil {
		return err
	}
	rememberPreviews(m, previewNames(list), nil, nil)
	return writePreviews(c, report.Previews{Command: "preview list", OK: true, Previews: previewResults(list, "")})
}

func previewDelete(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageError{fmt.Errorf("preview delete takes one preview NAME (see preview list), got %q", c.Args().Slice())}
	}
	ps, m, err := openPreviews(c)
	if err != nil {
		return err
	}
	p, err := ps.Delete(c.Context, c.Args().First())
	if err != nil {
		return deployError(err)
	}
	rememberPreviews(m, nil, nil, []string{p.Name})
	progress(c).Stepf("", "deleted preview %s (branch %s): its namespace goes with its objects and release records", p.Name, p.Branch)
	return writePreviews(c, report.Previews{Command: "preview delete", OK: true, Previews: previewResults([]deploy.Preview{p}, "deleted")})
}

func previewGC(c *cli.Context) error {
	if c.NArg() > 0 {
		return usageError{fmt.Errorf("preview gc takes no arguments (got %q)", c.Args().Slice())}
	}
	ps, m, err := openPreviews(c)
	if err != nil {
		return err
	}
	dry := c.Bool("dry-run")
	expired, runErr := ps.Collect(c.Context, time.Now(), dry)
	if !dry {
		var gone []string
		for _, p := range expired {
			if p.Skipped == "" {
				gone = append(gone, p.Name)
			}
		}
		rememberPreviews(m, nil, nil, gone)
	}
	action := "deleted"
	if dry {
		action = "would-delete"
	}
	rep := report.Previews{Command: "preview gc", OK: runErr == nil, DryRun: dry, Previews: previewResults(expired, action)}
	for i, p := range expired {
		if p.Skipped != "" {
			rep.Previews[i].Action, rep.Previews[i].Reason = "skipped", p.Skipped
			progress(c).Stepf("", "skipped expired preview %s (branch %s): %s; the next preview gc takes it if it is still expired then", p.Name, p.Branch, p.Skipped)
		}
	}
	if runErr != nil {
		rep.Error = runErr.Error()
	}
	if err := writePreviews(c, rep); err != nil {
		return err
	}
	return deployError(runErr)
}

// previewResults are the previews of list as reports show them, each
// with action; never nil, so an empty list is [] in JSON.
func previewResults(list []deploy.Preview, action string) []report.Preview {
	now := time.Now()
	out := make([]report.Preview, len(list))
	for i, p := range list {
		out[i] = report.Preview{
			Name: p.Name, Branch: p.Branch, Template: p.Template, Services: append([]string{}, p.Branched...),
			Created: p.Created.UTC(), Expires: p.Expires.UTC(), Expired: p.Expired(now),
			Revision: p.Revision, Status: string(p.Status), Terminating: p.Terminating, Action: action,
		}
	}
	return out
}

func writePreviews(c *cli.Context, rep report.Previews) error {
	rep.DurationMs = elapsedMs(c)
	return writeResult(c, rep, func(w io.Writer) error { return report.WritePreviewTable(w, rep) })
}
