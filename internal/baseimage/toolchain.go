package baseimage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// ToolchainClient is the part of the Docker Engine API that GoToolchain uses: it reads the
// base image's files through a container that is created but never started.
type ToolchainClient interface {
	Client
	ContainerCreate(ctx context.Context, config *container.Config, hostConfig *container.HostConfig, networkingConfig *network.NetworkingConfig, platform *ocispec.Platform, containerName string) (container.CreateResponse, error)
	ContainerExport(ctx context.Context, containerID string) (io.ReadCloser, error)
	ContainerRemove(ctx context.Context, containerID string, options container.RemoveOptions) error
}

var _ ToolchainClient = (*client.Client)(nil)

// GoRootInImage is where GoToolchain puts the Go toolchain.
const GoRootInImage = "/usr/local/go"

// goEnv makes the toolchain usable offline by any user: caches live in /tmp and a go.mod
// asking for a newer Go fails instead of downloading one.
var goEnv = [][2]string{
	{"GOCACHE", "/tmp/.gocache"},
	{"GOPATH", "/tmp/go"},
	{"GOFLAGS", "-mod=mod"},
	{"CGO_ENABLED", "0"},
	{"GOTOOLCHAIN", "local"},
}

// errImportEnded stops the tar writer once the engine no longer reads the stream.
var errImportEnded = errors.New("import ended")

// GoToolchain makes the image ref from the files of baseRef plus this machine's Go toolchain
// at /usr/local/go, unless the engine already has an image named ref. baseRef must exist
// (Busybox makes a suitable one); its command, entrypoint, working directory and environment
// are kept, with PATH extended and the Go variables set.
//
// The toolchain's programs are those of this machine when it runs linux on the base
// image's architecture; otherwise (a Mac, say) they are built for the image first.
func GoToolchain(ctx context.Context, c ToolchainClient, ref, baseRef string) error {
	return goToolchain(ctx, c, ref, baseRef, false)
}

// goToolchain is GoToolchain; rebuild builds the programs for the image even when this
// machine's would run there.
func goToolchain(ctx context.Context, c ToolchainClient, ref, baseRef string, rebuild bool) error {
	ok, err := exists(ctx, c, ref)
	if err != nil || ok {
		return err
	}
	goroot, err := hostGoRoot(ctx)
	if err != nil {
		return err
	}
	base, err := c.ImageInspect(ctx, baseRef)
	if err != nil {
		return fmt.Errorf("inspecting base image %s: %w", baseRef, err)
	}
	programs, err := os.MkdirTemp("", "xp-go-*")
	if err != nil {
		return fmt.Errorf("making a folder for the Go toolchain: %w", err)
	}
	defer os.RemoveAll(programs)
	tc, err := hostToolchain(ctx, goroot, base.Architecture, programs, rebuild)
	if err != nil {
		return err
	}
	created, err := c.ContainerCreate(ctx, &container.Config{Image: baseRef, Cmd: []string{"sh"}}, nil, nil, nil, "")
	if err != nil {
		return fmt.Errorf("creating a container of %s: %w", baseRef, err)
	}
	defer c.ContainerRemove(context.WithoutCancel(ctx), created.ID, container.RemoveOptions{Force: true})
	files, err := c.ContainerExport(ctx, created.ID)
	if err != nil {
		return fmt.Errorf("exporting the files of %s: %w", baseRef, err)
	}
	defer files.Close()

	// The toolchain is hundreds of megabytes: stream it to the engine rather than buffer it.
	pr, pw := io.Pipe()
	written := make(chan error, 1)
	go func() {
		err := writeToolchainRootfs(pw, files, tc)
		pw.CloseWithError(err)
		written <- err
	}()
	err = importRootfs(ctx, c, ref, pr, toolchainChanges(base.Config, baseRef))
	pr.CloseWithError(errImportEnded)
	if werr := <-written; werr != nil && !errors.Is(werr, errImportEnded) {
		return fmt.Errorf("streaming the files of image %s: %w", ref, werr)
	}
	return err
}

// toolchainChanges returns the Dockerfile instructions that give the imported image the
// base image's configuration plus the Go environment.
func toolchainChanges(cfg *dockerspec.DockerOCIImageConfig, baseRef string) []string {
	if cfg == nil {
		cfg = &dockerspec.DockerOCIImageConfig{}
	}
	path := defaultPath
	changes := []string{"LABEL org.opencontainers.image.base.name=" + quote(baseRef)}
	for _, kv := range cfg.Env {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case k == "PATH":
			path = v
		case !isGoVar(k):
			changes = append(changes, "ENV "+k+"="+quote(v))
		}
	}
	changes = append(changes, "ENV PATH="+quote(GoRootInImage+"/bin:/tmp/go/bin:"+path))
	for _, kv := range goEnv {
		changes = append(changes, "ENV "+kv[0]+"="+quote(kv[1]))
	}
	cmd := cfg.Cmd
	if len(cmd) == 0 && len(cfg.Entrypoint) == 0 {
		cmd = []string{"sh"}
	}
	if len(cfg.Entrypoint) > 0 {
		changes = append(changes, "ENTRYPOINT "+jsonArray(cfg.Entrypoint))
	}
	if len(cmd) > 0 {
		changes = append(changes, "CMD "+jsonArray(cmd))
	}
	if cfg.WorkingDir != "" {
		changes = append(changes, "WORKDIR "+cfg.WorkingDir)
	}
	if cfg.User != "" {
		changes = append(changes, "USER "+cfg.User)
	}
	return changes
}

func isGoVar(k string) bool {
	if k == "GOROOT" {
		return true
	}
	for _, kv := range goEnv {
		if kv[0] == k {
			return true
		}
	}
	return false
}

// quote keeps an ENV or LABEL value whole when it holds spaces or quotes.
func quote(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\"'\\") {
		return v
	}
	return strconv.Quote(v)
}

func jsonArray(args []string) string {
	b, _ := json.Marshal(args) // a []string always marshals
	return string(b)
}
