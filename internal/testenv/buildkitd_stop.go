package testenv

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildkitdGrace is how long a stopping daemon gets to end its builds and unmount its
// snapshots before it is killed.
const buildkitdGrace = 5 * time.Second

// Stop stops the daemon now, by PID: SIGTERM, then SIGKILL if it is still there after a few
// seconds, as a machine that goes away mid-build would. Then it removes what a killed daemon
// leaves: its build containers, mounts and state. Calling it again does nothing.
func (b *Buildkitd) Stop(t testing.TB) {
	t.Helper()
	b.stopOnce.Do(func() {
		if b.PID != 0 {
			_ = syscall.Kill(b.PID, syscall.SIGTERM)
			select {
			case <-b.exited:
			case <-time.After(buildkitdGrace):
				_ = syscall.Kill(b.PID, syscall.SIGKILL)
				<-b.exited
			}
		}
		if err := removeBuildkitdState(b.runc, b.dir); err != nil {
			t.Errorf("cleaning up after buildkitd: %v", err)
		}
	})
}

// removeBuildkitdState deletes the runc containers of the daemon whose state is in dir,
// unmounts what is still mounted under dir, and removes dir.
func removeBuildkitdState(runc, dir string) error {
	var errs []error
	ids, err := buildContainers(runc, dir)
	if err != nil {
		errs = append(errs, err)
	}
	for _, id := range ids {
		if out, err := exec.Command(runc, "delete", "--force", id).CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("deleting build container %s: %w: %s", id, err, out))
		}
	}
	mounts, err := mountsUnder(dir)
	if err != nil {
		errs = append(errs, err)
	}
	for _, m := range mounts {
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) {
			errs = append(errs, fmt.Errorf("unmounting %s: %w", m, err))
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		errs = append(errs, fmt.Errorf("removing buildkitd's state: %w", err))
	}
	return errors.Join(errs...)
}

// buildContainers lists the runc containers whose bundle is under dir: a daemon's build
// steps. Every buildkitd shares runc's default state folder, so the bundle tells whose.
func buildContainers(runc, dir string) ([]string, error) {
	out, err := exec.Command(runc, "list", "--format", "json").Output()
	if err != nil {
		return nil, fmt.Errorf("listing runc containers: %w", err)
	}
	var list []struct {
		ID     string `json:"id"`
		Bundle string `json:"bundle"`
	}
	// runc prints null, not [], when there are none.
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, fmt.Errorf("reading runc's container list: %w", err)
	}
	var ids []string
	for _, c := range list {
		if strings.HasPrefix(c.Bundle, dir+string(filepath.Separator)) {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}

// mountsUnder lists the mount points below dir, deepest first, so each can be unmounted
// before what holds it.
func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("reading mounts: %w", err)
	}
	defer f.Close()
	var mounts []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 64*1024), 1024*1024)
	for s.Scan() {
		// The fifth field is the mount point, with spaces and the like octal-escaped.
		fields := strings.Fields(s.Text())
		if len(fields) < 5 {
			continue
		}
		point := unescapeMountinfo(fields[4])
		if strings.HasPrefix(point, dir+string(filepath.Separator)) {
			mounts = append(mounts, point)
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("reading mounts: %w", err)
	}
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i]) > len(mounts[j]) })
	return mounts, nil
}

// unescapeMountinfo turns mountinfo's \ooo escapes back into bytes.
func unescapeMountinfo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
