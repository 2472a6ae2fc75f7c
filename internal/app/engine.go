package app

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/x-platform/x-platform/internal/docker"
	"github.com/x-platform/x-platform/internal/pipeline"
	"github.com/x-platform/x-platform/internal/ui"
)

// folderProbe is what guardEngine asks of the engine.
type folderProbe interface {
	pipeline.Builder
	SeesFolder(ctx context.Context, dir string) (bool, error)
}

// guardEngine returns the Builder for a build on eng. Builder containers
// bind-mount checkouts, which resolve on the engine's host: an engine
// elsewhere that does not see root at the same path gets a Builder that
// refuses them before they start, and the user hears so before anything is
// done. Image builds upload their context and work on any engine.
func guardEngine(ctx context.Context, eng folderProbe, where, root string, progress *ui.Progress) (pipeline.Builder, error) {
	ok, err := eng.SeesFolder(ctx, root)
	if err != nil {
		return nil, fmt.Errorf("checking whether the Docker engine at %s sees %s: %w", where, root, err)
	}
	if ok {
		progress.Debugf("", "the Docker engine at %s sees %s at the same path", where, root)
		return eng, nil
	}
	g := &remoteGuard{Builder: eng, err: &remoteEngineError{where: where, root: root}}
	progress.Stepf("", "warning: %v", g.err)
	return g, nil
}

// remoteGuard passes image builds through and refuses builder containers.
type remoteGuard struct {
	pipeline.Builder
	err     error
	refused atomic.Bool
}

func (g *remoteGuard) Run(context.Context, docker.RunSpec) error {
	g.refused.Store(true)
	return g.err
}

// remoteEngineError is a build that needs builder containers on an engine
// that cannot mount the checkouts; a configuration error (exit 2).
type remoteEngineError struct{ where, root string }

func (e *remoteEngineError) Error() string {
	return fmt.Sprintf("the Docker engine at %s does not see %s, and builder containers bind-mount the checkouts from there: "+
		"services that must be built need an engine on this machine (a unix socket), or one that shares the folder at the same path "+
		"(such as GitLab's docker:dind service, which sees the job's /builds); reusing and pulling images, plan and deploy work on any engine",
		e.where, e.root)
}
