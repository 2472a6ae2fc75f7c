package app

import (
	"github.com/x-platform/x-platform/internal/gitsync"
	"github.com/x-platform/x-platform/internal/retry"
)

// gitClient is the command's way to git remotes, under the network policy
// XP_NETWORK_TIMEOUT and XP_TRANSFER_TIMEOUT set.
func gitClient() (gitsync.Client, error) {
	policy, err := retry.FromEnv()
	if err != nil {
		return gitsync.Client{}, usageError{err}
	}
	return gitsync.NewClient(policy), nil
}
