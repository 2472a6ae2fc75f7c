package docker

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// farEngine answers as an engine on another host does: the bind source is
// missing there, or a folder of the same path holds other files.
type farEngine struct {
	apiClient // calls the probe does not make panic on the nil interface
	createErr error
	removed   []string
}

func (f *farEngine) ImageImport(context.Context, image.ImportSource, string, image.ImportOptions) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader(`{"status":"sha256:0"}`)), nil
}

func (f *farEngine) ContainerCreate(context.Context, *container.Config, *container.HostConfig, *network.NetworkingConfig, *ocispec.Platform, string) (container.CreateResponse, error) {
	return container.CreateResponse{ID: "c1"}, f.createErr
}

func (f *farEngine) ContainerStatPath(context.Context, string, string) (container.PathStat, error) {
	return container.PathStat{}, cerrdefs.ErrNotFound.WithMessage("Could not find the file")
}

func (f *farEngine) ContainerRemove(_ context.Context, id string, _ container.RemoveOptions) error {
	f.removed = append(f.removed, id)
	return nil
}

func (f *farEngine) ImageRemove(_ context.Context, ref string, _ image.RemoveOptions) ([]image.DeleteResponse, error) {
	f.removed = append(f.removed, ref)
	return nil, nil
}

func TestSeesFolderOnAnotherHost(t *testing.T) {
	tests := []struct {
		name        string
		createErr   error
		wantErr     bool
		wantRemoved int
	}{
		{name: "folder missing there", createErr: errors.New(`Error response from daemon: invalid mount config for type "bind": bind source path does not exist: /w`), wantRemoved: 1},
		{name: "same path, other files", wantRemoved: 2},
		{name: "engine fails", createErr: errors.New("Error response from daemon: no space left"), wantErr: true, wantRemoved: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &farEngine{createErr: tt.createErr}
			ok, err := NewWithClient(f).SeesFolder(context.Background(), t.TempDir())
			if ok || (err != nil) != tt.wantErr {
				t.Fatalf("SeesFolder = %v, %v; want false, error %v", ok, err, tt.wantErr)
			}
			// The probe image, and the container when one was made, are removed.
			if len(f.removed) != tt.wantRemoved {
				t.Fatalf("removed %v, want %d things", f.removed, tt.wantRemoved)
			}
		})
	}
}
