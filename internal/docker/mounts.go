package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/mount"
)

// probeAPI lists the engine calls that tell whether the engine sees a folder.
type probeAPI interface {
	ImageImport(ctx context.Context, source image.ImportSource, ref string, opts image.ImportOptions) (io.ReadCloser, error)
	ContainerStatPath(ctx context.Context, id, path string) (container.PathStat, error)
}

// SeesFolder reports whether a bind mount of dir, as builder containers
// make, would show the engine this machine's dir — true for an engine on
// this machine, and for a remote one only when it shares the folder at the
// same path (GitLab's docker:dind service and the job's /builds volume).
//
// It writes a random marker into dir and asks the engine for it through a
// container that is created, never started, from an empty image imported
// for the purpose: nothing is pulled and nothing runs.
func (e *Engine) SeesFolder(ctx context.Context, dir string) (bool, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return false, fmt.Errorf("reading random bytes: %w", err)
	}
	id := hex.EncodeToString(b[:])
	marker := filepath.Join(dir, ".x-platform", "engine-probe-"+id)
	if err := os.MkdirAll(filepath.Dir(marker), 0o755); err != nil {
		return false, fmt.Errorf("writing the probe marker: %w", err)
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		return false, fmt.Errorf("writing the probe marker: %w", err)
	}
	defer os.Remove(marker)

	ref := "x-platform-probe:" + id
	rc, err := e.api.ImageImport(ctx, image.ImportSource{Source: emptyTar(), SourceName: "-"}, ref, image.ImportOptions{})
	if err != nil {
		return false, fmt.Errorf("importing an empty probe image: %w", err)
	}
	_, err = io.Copy(io.Discard, rc)
	rc.Close()
	if err != nil {
		return false, fmt.Errorf("importing an empty probe image: %w", err)
	}
	defer e.removeImage(ctx, ref)

	created, err := e.api.ContainerCreate(ctx, &container.Config{Image: ref, Cmd: []string{"/never-run"}, Labels: map[string]string{RoleLabel: "probe"}},
		&container.HostConfig{Mounts: []mount.Mount{{Type: mount.TypeBind, Source: dir, Target: dir, ReadOnly: true}}}, nil, nil, "")
	if err != nil {
		if strings.Contains(err.Error(), "bind source path does not exist") {
			return false, nil
		}
		return false, fmt.Errorf("creating a probe container: %w", err)
	}
	defer e.removeQuietly(ctx, created.ID)
	_, err = e.api.ContainerStatPath(ctx, created.ID, marker)
	if cerrdefs.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("looking for the probe marker through the engine: %w", err)
	}
	return true, nil
}

// emptyTar is a tar archive without entries: the smallest image to import.
func emptyTar() io.Reader {
	var buf bytes.Buffer
	_ = tar.NewWriter(&buf).Close()
	return &buf
}

func (e *Engine) removeImage(ctx context.Context, ref string) {
	rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
	defer cancel()
	_, _ = e.api.ImageRemove(rmCtx, ref, image.RemoveOptions{Force: true, PruneChildren: true})
}
