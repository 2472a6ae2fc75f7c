package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/pkg/stdcopy"
)

// RoleLabel marks every builder container, so that leftovers of an
// interrupted run can be found and removed.
const RoleLabel = "io.x-platform.role"

// removeTimeout bounds the clean-up of a builder container, which runs even
// after the caller's context is cancelled.
const removeTimeout = 30 * time.Second

// RunSpec describes script lines run one after another in one builder container.
type RunSpec struct {
	Image   string
	Workdir string
	// Dir is where lines run, relative to Workdir; "" is Workdir itself.
	Dir string
	// Mount is a host folder bind-mounted read-write at Workdir; empty mounts nothing.
	Mount string
	// User is "uid:gid"; empty keeps the image's user.
	User  string
	Env   []string
	Lines []string
	// Stdout and Stderr receive the lines' output; nil discards it.
	Stdout, Stderr io.Writer
	// Name prefixes the container name; empty means "xp-builder".
	Name string
	// Labels are added to the container besides RoleLabel.
	Labels map[string]string
}

// ScriptError is a script line that exited with a non-zero code.
type ScriptError struct {
	Line     string
	Index    int // 1-based position of Line in RunSpec.Lines
	ExitCode int
}

func (e *ScriptError) Error() string {
	return fmt.Sprintf("line %d `%s` exited with code %d", e.Index, e.Line, e.ExitCode)
}

// driver runs its arguments one after another, each with sh -c, and stops
// at the first that fails, naming it on stderr with the marker so the
// caller knows which line it was. Lines are arguments, never spliced into
// the script.
const driver = `marker=$1; shift; i=0
for line do
	i=$((i+1))
	sh -c "$line" || { rc=$?; printf '\n%s %d\n' "$marker" "$i" >&2; exit "$rc"; }
done`

// Run runs the lines with sh -c, one after another, as the main process of
// one builder container made from spec.Image, and stops at the first line
// that fails, returning a *ScriptError. The container is always removed
// before Run returns. A missing image yields an error matching
// ErrImageNotFound.
func (e *Engine) Run(ctx context.Context, spec RunSpec) (err error) {
	if len(spec.Lines) == 0 {
		return nil
	}
	marker := "x-platform-failed-line-" + randomHex(8)
	id, err := e.createBuilder(ctx, spec, append([]string{"-c", driver, "sh", marker}, spec.Lines...))
	if err != nil {
		return err
	}
	defer func() {
		rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
		defer cancel()
		rmErr := e.api.ContainerRemove(rmCtx, id, container.RemoveOptions{Force: true, RemoveVolumes: true})
		if rmErr != nil && !cerrdefs.IsNotFound(rmErr) {
			err = errors.Join(err, fmt.Errorf("removing builder container %s: %w", shortID(id), rmErr))
		}
	}()

	attached, err := e.api.ContainerAttach(ctx, id, container.AttachOptions{Stream: true, Stdout: true, Stderr: true})
	if err != nil {
		return fmt.Errorf("attaching to builder container: %w", err)
	}
	defer attached.Close()
	failed := &markerFilter{dst: orDiscard(spec.Stderr), marker: marker}
	copied := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(orDiscard(spec.Stdout), failed, attached.Reader)
		failed.flush()
		copied <- err
	}()
	if err := e.api.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		return fmt.Errorf("starting builder container from %s: %w", spec.Image, err)
	}
	select {
	case err := <-copied:
		if err != nil {
			return fmt.Errorf("reading output: %w", err)
		}
	case <-ctx.Done():
		// Closing the connection unblocks the copy; removing the container
		// kills the line.
		attached.Close()
		<-copied
		return ctx.Err()
	}
	code, err := e.exitCode(ctx, id)
	switch {
	case err != nil:
		return err
	case code == 0:
		return nil
	case failed.index < 1 || failed.index > len(spec.Lines):
		return fmt.Errorf("builder container exited with code %d before its lines ran (does %s have sh?)", code, spec.Image)
	}
	return &ScriptError{Line: spec.Lines[failed.index-1], Index: failed.index, ExitCode: code}
}

// createBuilder creates, without starting it, a builder container whose
// main process is sh with args.
func (e *Engine) createBuilder(ctx context.Context, spec RunSpec, args []string) (string, error) {
	labels := map[string]string{RoleLabel: "builder"}
	for k, v := range spec.Labels {
		labels[k] = v
	}
	hostConfig := &container.HostConfig{}
	if spec.Mount != "" {
		hostConfig.Mounts = []mount.Mount{{Type: mount.TypeBind, Source: spec.Mount, Target: spec.Workdir}}
	}
	// A known name lets a create interrupted by cancellation be cleaned up.
	prefix := spec.Name
	if prefix == "" {
		prefix = "xp-builder"
	}
	name := prefix + "-" + randomHex(4)
	created, err := e.api.ContainerCreate(ctx, &container.Config{
		Image:      spec.Image,
		Entrypoint: []string{"sh"},
		Cmd:        args,
		Tty:        false,
		User:       spec.User,
		Env:        spec.Env,
		WorkingDir: path.Join(spec.Workdir, spec.Dir),
		Labels:     labels,
	}, hostConfig, nil, nil, name)
	if cerrdefs.IsNotFound(err) {
		return "", fmt.Errorf("creating builder container from %s: %w", spec.Image, ErrImageNotFound)
	}
	if err != nil {
		if ctx.Err() != nil {
			e.removeQuietly(ctx, name)
		}
		return "", fmt.Errorf("creating builder container from %s: %w", spec.Image, err)
	}
	return created.ID, nil
}

// removeQuietly force-removes a container that may or may not exist while
// an error is already being returned.
func (e *Engine) removeQuietly(ctx context.Context, idOrName string) {
	rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
	defer cancel()
	_ = e.api.ContainerRemove(rmCtx, idOrName, container.RemoveOptions{Force: true, RemoveVolumes: true})
}

// exitCode waits for the builder container to stop and returns its code.
func (e *Engine) exitCode(ctx context.Context, id string) (int, error) {
	waitC, errC := e.api.ContainerWait(ctx, id, container.WaitConditionNotRunning)
	select {
	case res := <-waitC:
		if res.Error != nil {
			return 0, fmt.Errorf("waiting for builder container: %s", res.Error.Message)
		}
		return int(res.StatusCode), nil
	case err := <-errC:
		return 0, fmt.Errorf("waiting for builder container: %w", err)
	}
}

// markerFilter passes stderr through line by line, except the driver's
// marker line (and the blank line it starts with), from which it learns the
// index of the failing line.
type markerFilter struct {
	dst    io.Writer
	marker string
	buf    []byte
	blank  bool // a blank line is held back: it may belong to the marker
	index  int
}

func (f *markerFilter) Write(p []byte) (int, error) {
	f.buf = append(f.buf, p...)
	for {
		i := bytes.IndexByte(f.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := f.buf[:i+1]
		f.buf = f.buf[i+1:]
		if err := f.line(line); err != nil {
			return len(p), err
		}
	}
}

func (f *markerFilter) line(line []byte) error {
	text := strings.TrimSuffix(string(line), "\n")
	if rest, ok := strings.CutPrefix(text, f.marker+" "); ok {
		if n, err := strconv.Atoi(rest); err == nil {
			f.index, f.blank = n, false
			return nil
		}
	}
	if f.blank {
		f.blank = false
		if _, err := f.dst.Write([]byte("\n")); err != nil {
			return err
		}
	}
	if text == "" {
		f.blank = true
		return nil
	}
	_, err := f.dst.Write(line)
	return err
}

// flush writes what is held back once the stream ends.
func (f *markerFilter) flush() {
	if f.blank {
		_, _ = f.dst.Write([]byte("\n"))
	}
	if len(f.buf) > 0 {
		_, _ = f.dst.Write(f.buf)
	}
	f.blank, f.buf = false, nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
