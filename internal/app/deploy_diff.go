package app

import (
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/deploy/apply"
	"github.com/x-platform/x-platform/internal/deploy/yamldiff"
	"github.com/x-platform/x-platform/internal/ui"
)

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:  "diff",
		Usage: "show the objects a deploy would change, by a server-side dry run against the live cluster; changes nothing. Secret values are masked. Exits 0 without changes, 1 with changes, 2 when it cannot tell",
		Flags: append(envFlags(), syncFlag(), lockedFlag()),
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
	t, err := loadTarget(c, "diff")
	if err != nil {
		return false, err
	}
	r, err := t.rendered(c)
	if err != nil {
		return false, err
	}
	cl, err := t.connect(c)
	if err != nil {
		return false, err
	}
	d := t.deployer(c, cl, r)
	a := &apply.Applier{Dynamic: cl.Dynamic, Mapper: cl.Mapper, Set: d.ApplySet()}
	changes, err := a.Plan(c.Context, r.Objects, true)
	if err != nil {
		return false, deployError(err)
	}
	rep := ui.DiffReport{Command: "diff", OK: true, Env: t.env.Name, Namespace: d.Namespace, Changes: []ui.Change{}}
	for _, ch := range changes {
		if ch.Action == apply.Unchanged {
			continue
		}
		live, want := yamldiff.MaskSecrets(ch.Live, ch.Want)
		text, err := yamldiff.Objects(ch.Ref.Short(), live, want)
		if err != nil {
			return false, err
		}
		if ch.Action == apply.Pruned {
			text = fmt.Sprintf("--- live/%s\n+++ /dev/null\n(deleted: the overlay no longer renders it)\n", ch.Ref.Short())
		}
		if ch.Action == apply.Orphaned {
			text = fmt.Sprintf("(left in place, out of the set: the overlay no longer renders %s and namespaces are never deleted)\n", ch.Ref.Short())
		}
		rep.Changes = append(rep.Changes, ui.Change{
			APIVersion: ch.Ref.APIVersion(), Kind: ch.Ref.Kind, Namespace: ch.Ref.Namespace, Name: ch.Ref.Name,
			Action: string(ch.Action), Diff: text,
		})
	}
	write := ui.WriteDiffText
	if c.String("output") == "json" {
		write = func(w io.Writer, r ui.DiffReport) error { return ui.WriteDocument(w, r) }
	}
	if err := write(c.App.Writer, rep); err != nil {
		return false, err
	}
	return len(rep.Changes) > 0, nil
}
