package app

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/deploy/apply"
	"github.com/x-platform/x-platform/internal/deploy/yamldiff"
	"github.com/x-platform/x-platform/internal/ui"
)

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:  "diff",
		Usage: "show the objects a deploy would change, by a server-side dry run against the live cluster; changes nothing",
		Flags: append(envFlags(), syncFlag, lockedFlag),
		Action: func(c *cli.Context) error {
			t, err := loadTarget(c, "diff")
			if err != nil {
				return err
			}
			r, err := t.rendered(c)
			if err != nil {
				return err
			}
			cl, err := t.connect(c)
			if err != nil {
				return err
			}
			d := t.deployer(c, cl, r)
			a := &apply.Applier{Dynamic: cl.Dynamic, Mapper: cl.Mapper, Set: d.ApplySet()}
			changes, err := a.Plan(c.Context, r.Objects, true)
			if err != nil {
				return deployError(err)
			}
			rep := ui.DiffReport{Command: "diff", OK: true, Env: t.env.Name, Namespace: d.Namespace, Changes: []ui.Change{}}
			for _, ch := range changes {
				if ch.Action == apply.Unchanged {
					continue
				}
				text, err := yamldiff.Objects(ch.Ref.Short(), ch.Live, ch.Want)
				if err != nil {
					return err
				}
				if ch.Action == apply.Pruned {
					text = fmt.Sprintf("--- live/%s\n+++ /dev/null\n(deleted: the overlay no longer renders it)\n", ch.Ref.Short())
				}
				rep.Changes = append(rep.Changes, ui.Change{
					APIVersion: ch.Ref.APIVersion(), Kind: ch.Ref.Kind, Namespace: ch.Ref.Namespace, Name: ch.Ref.Name,
					Action: string(ch.Action), Diff: text,
				})
			}
			if c.String("output") == "json" {
				return ui.WriteDocument(c.App.Writer, rep)
			}
			return ui.WriteDiffText(c.App.Writer, rep)
		},
	}
}
