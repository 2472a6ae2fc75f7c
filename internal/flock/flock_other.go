//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package flock

import (
	"errors"
	"os"
	"runtime"
)

var errBusy = errors.New("held by another process")

// tryLock refuses rather than running unlocked: two runs at once could
// delete each other's files.
func tryLock(*os.File, Mode) error {
	return errors.New("file locks are not supported on " + runtime.GOOS + "; run x-platform on Linux or macOS")
}
