package app

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/atomicfile"
	"github.com/x-platform/x-platform/internal/flock"
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/plan"
	"github.com/x-platform/x-platform/internal/redact"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/shortsha"
)

func pinCommand() *cli.Command {
	return &cli.Command{
		Name:      "pin",
		Usage:     "set a service's reference in the manifest, once its remote is known to have it",
		ArgsUsage: "SERVICE REFERENCE",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "no-verify", Usage: "write the reference without asking the service's remote"},
		},
		Action: runPin,
	}
}

func runPin(c *cli.Context) error {
	if c.NArg() != 2 {
		return usageError{fmt.Errorf("pin takes SERVICE REFERENCE, got %d arguments %q", c.NArg(), c.Args().Slice())}
	}
	name, reference := c.Args().Get(0), c.Args().Get(1)
	m, err := readManifest(c)
	if err != nil {
		return err
	}
	svc := m.Service(name)
	if svc == nil {
		return &plan.UnknownServiceError{Unknown: []string{name}, Valid: m.Names()}
	}
	// Two pins at once would each write the manifest they read, losing the
	// other's edit.
	unlock, err := lockFolders(c, m, flock.Exclusive, nil)
	if err != nil {
		return err
	}
	defer unlock()
	// Write through a symlinked manifest rather than replacing the link.
	path, err := filepath.EvalSymlinks(m.Path)
	if err != nil {
		return fmt.Errorf("resolving %s: %w", m.Path, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading manifest: %w", err)
	}
	edited, err := manifest.Pin(data, name, reference)
	if err != nil {
		return usageError{fmt.Errorf("pinning %s in %s: %w", name, m.Path, err)}
	}

	res := report.ServiceResult{Name: name, Reference: reference, Action: report.ActionPinned}
	if !c.Bool("no-verify") {
		if res.Commit, err = verifyReference(c, svc, reference); err != nil {
			return pinFailed(c, res, err)
		}
	}
	if !bytes.Equal(edited, data) {
		if err := writeFileAtomic(path, edited); err != nil {
			return err
		}
	}
	return writeResult(c, pinReport(c, res), func(w io.Writer) error {
		commit := "not verified"
		if res.Commit != "" {
			commit = shortsha.Commit(res.Commit)
		}
		_, err := fmt.Fprintf(w, "%s: %s → %s (%s)\n", name, svc.Git.Reference, reference, commit)
		return err
	})
}

// verifyReference asks the service's remote for reference and returns the
// commit it names. A commit that is no branch or tag tip is not advertised;
// it is taken when the service's checkout has it on a fetched branch or tag.
func verifyReference(c *cli.Context, svc *manifest.Service, reference string) (string, error) {
	p := progress(c)
	remote := redact.URL(svc.Git.URL)
	p.Stepf(svc.Name, "checking %s for %s", remote, reference)
	git, err := gitClient()
	if err != nil {
		return "", err
	}
	refs, err := git.ListRefs(c.Context, svc.Git.URL, svc.AbsDir)
	if err != nil {
		return "", err
	}
	commit, kind, err := gitsync.CheckReference(refs, reference)
	switch {
	case errors.Is(err, gitsync.ErrCommitNotAdvertised):
		if _, rerr := gitsync.Resolve(svc.AbsDir, commit); rerr != nil {
			return "", fmt.Errorf("checking %s in %s: %w, and %s does not have it on a fetched branch or tag (%v); "+
				"pin a branch or tag, or fetch it first with x-platform sync --services %s",
				reference, remote, err, svc.Dir, rerr, svc.Name)
		}
		p.Stepf(svc.Name, "warning: %s is no branch or tag tip of %s; taken because %s has it on a fetched branch or tag",
			shortsha.Commit(commit), remote, svc.Dir)
		return commit, nil
	case err != nil:
		return "", fmt.Errorf("checking %s in %s: %w", reference, remote, err)
	}
	p.Debugf(svc.Name, "%s %s is commit %s", kind, reference, commit)
	return commit, nil
}

// pinReport is pin's one-service report.
func pinReport(c *cli.Context, res report.ServiceResult) report.Report {
	r := report.NewReport("pin", []report.ServiceResult{res})
	r.DurationMs = elapsedMs(c)
	return r
}

// pinFailed prints the failed result when a JSON report is expected, and
// returns err so that it reaches stderr with exit code 1.
func pinFailed(c *cli.Context, res report.ServiceResult, err error) error {
	if outputFormat(c) == "json" {
		res.Action, res.Error = report.ActionFailed, err.Error()
		if werr := report.JSON(c.App.Writer, pinReport(c, res)); werr != nil {
			return fmt.Errorf("writing the report: %w", werr)
		}
	}
	return err
}

// writeFileAtomic replaces path with data so that readers see the old file
// or the new one, never a part; the file keeps its permissions.
func writeFileAtomic(path string, data []byte) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := atomicfile.Write(path, data, fi.Mode().Perm()); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
