package app

import (
	"errors"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/plan"
	"github.com/x-platform/x-platform/internal/report"
)

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:  "diff",
		Usage: "show the objects a deploy would change, by a server-side dry run against the live cluster; changes nothing. Secret values are masked. Exits 0 without changes, 1 with changes, 2 when it cannot tell",
		Flags: append(envFlags(), servicesFlag(), syncFlag(), depthFlag(), noCheckoutFlag(), lockedFlag(), localFlag()),
		Action: func(c *cli.Context) error {
			// Like kubectl diff and diff(1), so a pipeline can gate on
			// changes: 1 means changes, never an error.
			changed, err := diff(c)
			switch {
			case err != nil:
				var ue usageError
				if errors.As(err, &ue) {
					return err
				}
				return usageError{err}
			case changed:
				return errFailed
			}
			return nil
		},
	}
}

// diff prints what a deploy would change and says whether it would change
// anything.
func diff(c *cli.Context) (bool, error) {
	e, err := openEnv(c, "diff")
	if err != nil {
		return false, err
	}
	if err := withLocal(c, e); err != nil {
		return false, err
	}
	sel, err := plan.Select(e.Manifest, c.StringSlice("services"))
	if err != nil {
		return false, err
	}
	changes, err := e.Diff(c.Context, sel)
	if err != nil {
		return false, err
	}
	ns, err := e.Namespace(c.Context)
	if err != nil {
		return false, err
	}
	rep := report.DiffReport{Command: "diff", OK: true, Env: e.Name, Namespace: ns, Changes: []report.Change{}}
	for _, ch := range changes {
		rep.Changes = append(rep.Changes, report.Change{
			APIVersion: ch.Ref.APIVersion(), Kind: ch.Ref.Kind, Namespace: ch.Ref.Namespace, Name: ch.Ref.Name,
			Action: string(ch.Action), Phase: string(ch.Phase), Diff: ch.Diff,
		})
	}
	rep.DurationMs = elapsedMs(c)
	if err := writeResult(c, rep, func(w io.Writer) error { return report.WriteDiffText(w, rep) }); err != nil {
		return false, err
	}
	return len(rep.Changes) > 0, nil
}
