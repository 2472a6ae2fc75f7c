package app

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/manifest"
	"github.com/x-platform/x-platform/internal/report"
	"github.com/x-platform/x-platform/internal/scaffold"
)

func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "write a starting " + manifest.FileName + ", k8s/ base and overlay and .gitignore from git repositories",
		ArgsUsage: "[REMOTE…]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "registry", Usage: "registry `host[:port][/path]` the services' images are pushed below (required)"},
			&cli.StringFlag{Name: "checkouts", Usage: "a `folder` of checkouts, each a service whose origin is its remote"},
			&cli.StringFlag{Name: "env", Value: "dev", Usage: "name of the environment written when the repositories hold Kubernetes manifests"},
			&cli.BoolFlag{Name: "overwrite", Usage: "overwrite files that exist instead of refusing"},
		},
		Action: runInit,
	}
}

// startPlatform checks what init and import are asked to write a platform
// with, then returns the folder to write it in and a git client.
func startPlatform(c *cli.Context, verb, registry, env string) (string, gitsync.Client, error) {
	if registry == "" {
		return "", gitsync.Client{}, usageError{fmt.Errorf("%s needs --registry host[:port][/path], where the services' images go (e.g. registry.example.com/team)", verb)}
	}
	if err := manifest.ValidateRegistry(registry); err != nil {
		return "", gitsync.Client{}, usageError{err}
	}
	if err := manifest.ValidateEnvironmentName(env); err != nil {
		return "", gitsync.Client{}, usageError{fmt.Errorf("--env %w", err)}
	}
	root, err := platformRoot(c, verb)
	if err != nil {
		return "", gitsync.Client{}, err
	}
	git, err := gitClient()
	return root, git, err
}

func runInit(c *cli.Context) error {
	o := scaffold.Options{Registry: c.String("registry"), Remotes: c.Args().Slice(), From: c.String("checkouts"), Env: c.String("env"), Force: c.Bool("overwrite")}
	root, git, err := startPlatform(c, "init", o.Registry, o.Env)
	if err != nil {
		return err
	}
	o.Root = root
	repos, err := scaffold.Read(c.Context, git, o)
	if err != nil {
		return err
	}
	files, err := scaffold.Make(repos, o)
	if err != nil {
		return err
	}
	written, err := scaffold.Write(root, files, o.Force)
	if err != nil {
		return err
	}
	p := progress(c)
	rep := report.Init{Command: "init", Files: written}
	for _, r := range repos {
		rep.Services = append(rep.Services, report.InitService{Name: r.Name, Remote: r.Remote, Reference: "origin/" + r.Branch, Dockerfile: r.Dockerfile, Kubernetes: len(r.Kube) > 0})
		if !r.Dockerfile {
			p.Stepf(r.Name, "no Dockerfile at the root of %s: add one, or dockerBuilder and scripts, before building it", r.Remote)
		}
	}
	return writeResult(c, rep, func(w io.Writer) error { return report.WriteInitFiles(w, root, rep) })
}

// platformRoot is the folder init and import write in: that of --file,
// else the current one. The manifest there is always named x-platform.yml.
func platformRoot(c *cli.Context, command string) (string, error) {
	if f := c.String("file"); f != "" {
		if filepath.Base(f) != manifest.FileName {
			return "", usageError{fmt.Errorf("%s writes %s; --file %s names another file: pass a path ending in %s, or none", command, manifest.FileName, f, manifest.FileName)}
		}
		return filepath.Abs(filepath.Dir(f))
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the current folder: %w", err)
	}
	return wd, nil
}
