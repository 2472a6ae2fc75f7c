package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/x-platform/x-platform/internal/deploy/object"

	"github.com/x-platform/x-platform/internal/deploy/apply"
	"github.com/x-platform/x-platform/internal/deploy/release"
	"github.com/x-platform/x-platform/internal/image"
)

// dryRunDrift asks the server, with a server-side dry run of rec's
// manifest, which objects re-applying the release would change. It costs
// two requests per object, so Status does it only when asked. Fields
// other managers took over count as changes (the dry run forces them), not
// as conflicts. Objects that cannot be checked are returned as warnings.
func (d *Deployer) dryRunDrift(ctx context.Context, rec *release.Record) ([]ObjectDrift, []string, error) {
	objs, err := appliedObjects(rec.Manifest)
	if err != nil {
		return nil, nil, err
	}
	// A Secret kept without its values cannot be dry-run: applying it
	// without them would drop them.
	objs = slices.DeleteFunc(objs, maskedSOPS)
	a := d.applier()
	a.Force = true
	changes, err := a.Plan(ctx, objs, true)
	var oe *apply.ObjectsError
	if err != nil && !errors.As(err, &oe) {
		return nil, nil, err
	}
	var out []ObjectDrift
	var warnings []string
	for _, ch := range changes {
		switch ch.Action {
		case apply.Created:
			out = append(out, ObjectDrift{Ref: ch.Ref, Gone: true})
		case apply.Configured:
			fields := differences(ch.Want.Object, ch.Live.Object, "")
			for _, f := range differences(ch.Live.Object, ch.Want.Object, "") {
				if !slices.Contains(fields, f) {
					fields = append(fields, f)
				}
			}
			slices.Sort(fields)
			out = append(out, ObjectDrift{Ref: ch.Ref, Fields: fields})
		case apply.Failed:
			warnings = append(warnings, "dry run of "+ch.Ref.String()+": "+ch.Err.Error())
		}
	}
	return out, warnings, nil
}

// addDryRunDrift adds to st the objects a dry run of rec finds changed
// that the field comparison did not, with the images they were applied
// with.
func (d *Deployer) addDryRunDrift(ctx context.Context, rec *release.Record, st *EnvStatus) error {
	more, warnings, err := d.dryRunDrift(ctx, rec)
	if err != nil {
		return fmt.Errorf("dry-running revision %d: %w", rec.Revision, err)
	}
	st.Warnings = append(st.Warnings, warnings...)
	applied, err := appliedObjects(rec.Manifest)
	if err != nil {
		return err
	}
	for _, m := range more {
		found := false
		for i := range st.Drifted {
			if sameObject(st.Drifted[i].Ref, m.Ref) {
				found = true
				for _, f := range m.Fields {
					if !slices.Contains(st.Drifted[i].Fields, f) {
						st.Drifted[i].Fields = append(st.Drifted[i].Fields, f)
					}
				}
			}
		}
		if found {
			continue
		}
		m.repos = map[string]bool{}
		for _, o := range applied {
			if sameObject(object.RefOf(o), m.Ref) {
				for _, img := range images(o) {
					m.repos[image.Cut(img).Repository()] = true
				}
			}
		}
		st.Drifted = append(st.Drifted, m)
	}
	return nil
}

// sameObject says whether a and b name one object, one of them maybe
// without the namespace it went to.
func sameObject(a, b object.Ref) bool {
	return a.Group == b.Group && a.Kind == b.Kind && a.Name == b.Name &&
		(a.Namespace == b.Namespace || a.Namespace == "" || b.Namespace == "")
}
