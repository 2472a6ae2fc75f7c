package app

import (
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/cleanup"
	"github.com/x-platform/x-platform/internal/deploy/kube"
	"github.com/x-platform/x-platform/internal/flock"
	"github.com/x-platform/x-platform/internal/report"
)

// errCleanupFailed marks a cleanup where a delete failed or was refused;
// the report on stdout says which.
var errCleanupFailed = fmt.Errorf("%w: see the report for the deletes that failed or were refused", errFailed)

func cleanupCommand() *cli.Command {
	return &cli.Command{
		Name:  "cleanup",
		Usage: "delete the registry's images that no environment, lock file, git tag, recent branch or keep rule needs (a dry run unless --apply)",
		Flags: []cli.Flag{
			servicesFlag(),
			&cli.BoolFlag{Name: "apply", Usage: "delete what the plan lets go (default: only print the plan)"},
			&cli.BoolFlag{Name: "all-tags", Usage: "also delete images with tags builds do not write (latest, hotfix tags pushed by hand), which are kept by default"},
			&cli.BoolFlag{Name: "skip-unreachable", Usage: "plan without the releases of environments whose cluster cannot be read or holds no release record of them, instead of refusing every delete"},
			&cli.BoolFlag{Name: "partial-lock-history", Usage: "plan with the x-platform.lock history a shallow clone has, instead of refusing every delete"},
			&cli.IntFlag{Name: "concurrency", Value: 16, Usage: "registry requests in flight at once"},
			kubeconfigFlag(),
		},
		Action: runCleanup,
	}
}

func runCleanup(c *cli.Context) error {
	if err := checkReportArgs(c, "cleanup"); err != nil {
		return err
	}
	if c.Int("concurrency") < 1 {
		return usageError{fmt.Errorf("--concurrency must be at least 1, not %d", c.Int("concurrency"))}
	}
	m, services, err := loadSelected(c)
	if err != nil {
		return err
	}
	reg, err := newRegistry(m)
	if err != nil {
		return err
	}
	// Fetches write the checkouts' refs, as builds do.
	unlock, err := lockFolders(c, m, flock.Shared, services)
	if err != nil {
		return err
	}
	defer unlock()
	git, err := gitClient()
	if err != nil {
		return err
	}
	p := progress(c)
	opts := cleanup.Options{
		Manifest: m, Services: services, Registry: reg,
		Connect:         cleanup.KubeConnect(m, c.String("kubeconfig")),
		Fetch:           git.Fetch,
		AllTags:         c.Bool("all-tags"),
		SkipUnreachable: c.Bool("skip-unreachable"),
		Concurrency:     c.Int("concurrency"),
		Log:             func(format string, args ...any) { p.Stepf("", format, args...) },
	}
	opts.PartialLockHistory = c.Bool("partial-lock-history")
	res, err := cleanup.Plan(c.Context, opts)
	if err != nil {
		var ce *kube.ConfigError
		if errors.As(err, &ce) {
			return usageError{err}
		}
		return err
	}
	var rep *cleanup.Report
	if c.Bool("apply") {
		rep = cleanup.Apply(c.Context, res, opts)
	}
	doc := cleanup.NewDocument(res, rep)
	doc.DurationMs = elapsedMs(c)
	if err := writeResult(c, doc, func(w io.Writer) error { return report.WriteCleanupTable(w, doc) }); err != nil {
		return err
	}
	if err := c.Context.Err(); err != nil {
		return err
	}
	if rep != nil && rep.Failed() || refused(res) {
		fmt.Fprintln(c.App.ErrWriter, "x-platform: some deletes failed or were refused; the report says which and why")
		return errCleanupFailed
	}
	return nil
}

// refused says whether the plan holds deletes it may not carry out.
func refused(res *cleanup.Result) bool {
	for _, rp := range res.Plan.Repositories {
		if rp.Refused != "" && len(rp.Delete) > 0 {
			return true
		}
	}
	return false
}
