package gitsync

import (
	"os/exec"
	"sync"

	"github.com/go-git/go-git/v5/plumbing/transport/client"
	"github.com/go-git/go-git/v5/plumbing/transport/server"

	"github.com/x-platform/x-platform/internal/gitsync/gitauth"
	"github.com/x-platform/x-platform/internal/gitsync/sshmux"
)

var transports sync.Once

// ensureTransports sets go-git's transports up once per process.
//
// Local remotes work where no git binary is installed, as in the
// orchestrator's own image: go-git's file:// client starts git-upload-pack,
// so without one the in-process server stands in. With git installed the
// binary is kept, since it builds packs faster.
//
// ssh remotes resolve Host aliases from the HOME in effect, not from the
// one go-git's default reader caches for the process, and share one
// connection per host and login for the process's fetches and listings.
func ensureTransports() {
	transports.Do(func() {
		_, errPack := exec.LookPath("git-upload-pack")
		_, errGit := exec.LookPath("git") // go-git also tries `git --exec-path`
		if errPack != nil && errGit != nil {
			client.InstallProtocol("file", server.DefaultServer)
		}
		gitauth.Install()
		client.InstallProtocol("ssh", sshmux.New())
	})
}
