package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
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

// Run starts a container from spec.Image, runs each line with sh -c in it
// and stops at the first line that fails, returning a *ScriptError. The
// container is always removed before Run returns. A missing image yields an
// error matching ErrImageNotFound.
func (e *Engine) Run(ctx context.Context, spec RunSpec) (err error) {
	id, err := e.startBuilder(ctx, spec)
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

	stdout, stderr := orDiscard(spec.Stdout), orDiscard(spec.Stderr)
	for i, line := range spec.Lines {
		code, err := e.exec(ctx, id, spec, line, stdout, stderr)
		if err != nil {
			return fmt.Errorf("running line %d: %w", i+1, err)
		}
		if code != 0 {
			return &ScriptError{Line: line, Index: i + 1, ExitCode: code}
		}
	}
	return nil
}

func (e *Engine) startBuilder(ctx context.Context, spec RunSpec) (string, error) {
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
		// An open, never-written stdin keeps sh waiting, so the container
		// lives until it is removed and each line runs as an exec.
		OpenStdin:  true,
		StdinOnce:  false,
		Tty:        false,
		User:       spec.User,
		WorkingDir: spec.Workdir,
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
	if err := e.api.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		e.removeQuietly(ctx, created.ID)
		return "", fmt.Errorf("starting builder container from %s: %w", spec.Image, err)
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

// exec runs one line and returns its exit code.
func (e *Engine) exec(ctx context.Context, id string, spec RunSpec, line string, stdout, stderr io.Writer) (int, error) {
	created, err := e.api.ContainerExecCreate(ctx, id, container.ExecOptions{
		Cmd:          []string{"sh", "-c", line},
		WorkingDir:   path.Join(spec.Workdir, spec.Dir),
		User:         spec.User,
		Env:          spec.Env,
		AttachStdout: true,
		AttachStderr: true,
	})
	if err != nil {
		return 0, fmt.Errorf("creating exec: %w", err)
	}
	attached, err := e.api.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{})
	if err != nil {
		return 0, fmt.Errorf("attaching to exec: %w", err)
	}
	defer attached.Close()

	copied := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(stdout, stderr, attached.Reader)
		copied <- err
	}()
	select {
	case err := <-copied:
		if err != nil {
			return 0, fmt.Errorf("reading output: %w", err)
		}
	case <-ctx.Done():
		// Closing the connection unblocks the copy; removing the container
		// afterwards kills the line.
		attached.Close()
		<-copied
		return 0, ctx.Err()
	}
	return e.exitCode(ctx, created.ID)
}

// exitCode waits for the engine to record the end of an exec whose output
// stream has closed; the two are not updated atomically.
func (e *Engine) exitCode(ctx context.Context, execID string) (int, error) {
	wait := 5 * time.Millisecond
	for {
		inspect, err := e.api.ContainerExecInspect(ctx, execID)
		if err != nil {
			return 0, fmt.Errorf("inspecting exec: %w", err)
		}
		if !inspect.Running {
			return inspect.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
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
