package app

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/x-platform/x-platform/internal/flock"
	"github.com/x-platform/x-platform/internal/manifest"
)

// waitValue is --wait: a bare --wait waits as long as it takes, --wait=5m
// at most five minutes. It is a boolean flag to the flag parser, so that a
// bare --wait does not swallow the command name after it.
type waitValue struct {
	on  bool
	max time.Duration
}

func (w *waitValue) IsBoolFlag() bool { return true }

func (w *waitValue) String() string {
	switch {
	case w == nil || !w.on:
		return ""
	case w.max > 0:
		return w.max.String()
	}
	return "true"
}

func (w *waitValue) Set(s string) error {
	switch s {
	case "true", "":
		*w = waitValue{on: true}
	case "false":
		*w = waitValue{}
	default:
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return fmt.Errorf("--wait takes a duration such as 5m, or nothing, not %q", s)
		}
		*w = waitValue{on: true, max: d}
	}
	return nil
}

func waitFlag() cli.Flag {
	return &cli.GenericFlag{Name: "wait", Value: &waitValue{},
		Usage: "when another run holds the platform folder or a checkout, wait for it (--wait=5m: at most 5 minutes) instead of failing"}
}

// locksDir holds the lock files of a platform folder: one for the folder,
// one per checkout, whether the checkout exists yet or not.
func locksDir(m *manifest.Manifest) string { return filepath.Join(m.Root, ".x-platform", "locks") }

// checkoutLockName flattens a checkout's folder into one file name.
func checkoutLockName(dir string) string {
	r := strings.NewReplacer("%", "%25", "/", "%2F", string(filepath.Separator), "%2F")
	return r.Replace(filepath.ToSlash(filepath.Clean(dir))) + ".lock"
}

// lockFolders takes the platform folder's lock in mode, then each checkout
// of services exclusively, in the order of their paths so that two runs
// never each hold what the other waits for. Read-only commands take none.
// The returned func releases them all.
func lockFolders(c *cli.Context, m *manifest.Manifest, mode flock.Mode, services []*manifest.Service) (func(), error) {
	wait, _ := c.Generic("wait").(*waitValue)
	if wait == nil {
		wait = &waitValue{}
	}
	self := flock.Self(holderCommand(c))
	opts := flock.Options{Wait: wait.on, Timeout: wait.max, Self: self, Waiting: func(e *flock.HeldError) {
		who := "another x-platform run"
		if h := e.Holder; h != nil {
			who = fmt.Sprintf("pid %d on host %s", h.PID, h.Host)
		}
		progress(c).Stepf("", "waiting for %s to release %s", who, e.Path)
	}}

	paths := map[string]bool{}
	for _, s := range services {
		rel, err := filepath.Rel(m.Root, s.AbsDir)
		if err != nil {
			rel = s.AbsDir
		}
		paths[filepath.Join(locksDir(m), "checkouts", checkoutLockName(rel))] = true
	}
	order := make([]string, 0, len(paths))
	for p := range paths {
		order = append(order, p)
	}
	sort.Strings(order)

	var held []*flock.Lock
	release := func() {
		for i := len(held) - 1; i >= 0; i-- {
			_ = held[i].Release()
		}
	}
	take := func(path string, mode flock.Mode) error {
		l, err := flock.Acquire(c.Context, path, mode, opts)
		if err != nil {
			var he *flock.HeldError
			if errors.As(err, &he) {
				return err
			}
			return fmt.Errorf("locking the platform folder: %w", err)
		}
		held = append(held, l)
		return nil
	}
	if err := take(filepath.Join(locksDir(m), "platform.lock"), mode); err != nil {
		return nil, err
	}
	for _, p := range order {
		if err := take(p, flock.Exclusive); err != nil {
			release()
			return nil, err
		}
	}
	return release, nil
}

// holderCommand is the command line shown to a run that finds the lock held.
func holderCommand(c *cli.Context) string {
	parts := []string{"x-platform"}
	if c.Command != nil {
		parts = append(parts, c.Command.FullName())
	}
	if s := c.StringSlice("services"); len(s) > 0 {
		parts = append(parts, "--services", strings.Join(s, ","))
	}
	return strings.Join(parts, " ")
}
