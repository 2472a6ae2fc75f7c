package app

import (
	"fmt"
	"maps"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/deploy"
	"github.com/x-platform/x-platform/internal/image"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/pipeline"
)

func localFlag() *cli.StringSliceFlag {
	// XP_LOCAL is bin/x-platform's own switch (a host build instead of the
	// container), so the flag's variable is named apart from it.
	return &cli.StringSliceFlag{Name: "local", EnvVars: []string{"XP_LOCAL_FOLDERS"}, Usage: "take `SERVICE=FOLDER` as it is, uncommitted changes included, instead of its commit (repeatable; adds to " + manifest.LocalFileName + ")"}
}

// localFolders are the services taken from working folders: those of
// x-platform.local.yml beside the manifest, then --local, which wins.
func localFolders(c *cli.Context, m *manifest.Manifest) (map[string]string, error) {
	out, err := manifest.LoadLocal(m.Root)
	if err != nil {
		return nil, usageError{err}
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("reading the current folder: %w", err)
	}
	flags, err := manifest.ParseLocal(c.StringSlice("local"), cwd)
	if err != nil {
		return nil, usageError{err}
	}
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, flags)
	if err := m.CheckLocal(out); err != nil {
		return nil, usageError{err}
	}
	return out, nil
}

// withLocal points the environment's services that are taken from working
// folders at their folders' images, dirty-<content hash>.
func withLocal(c *cli.Context, e *deploy.Environment) error {
	folders, err := localFolders(c, e.Manifest)
	if err != nil || len(folders) == 0 {
		return err
	}
	e.Local = map[string]deploy.LocalFolder{}
	for name, dir := range folders {
		hash, err := pipeline.LocalHash(e.Manifest.Service(name), dir)
		if err != nil {
			return err
		}
		e.Local[name] = deploy.LocalFolder{Dir: dir, Tag: image.LocalTag(hash)}
	}
	return nil
}
