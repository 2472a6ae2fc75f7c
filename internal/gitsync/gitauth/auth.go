package gitauth

import (
	"context"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
)

// For returns how to authenticate to remote: an ssh login for ssh remotes,
// credentials for https ones (nil when no source has any, or when the URL
// carries its own), nil for local ones.
func For(ctx context.Context, remote string) (transport.AuthMethod, error) {
	ep, err := transport.NewEndpoint(remote)
	if err != nil {
		return nil, nil // go-git reports the bad URL itself
	}
	switch ep.Protocol {
	case "ssh":
		return SSH(ep.Host, ep.Port, ep.User)
	case "http", "https":
		if ep.User != "" {
			return nil, nil
		}
		host := strings.ToLower(ep.Host)
		if ep.Port != 0 && ep.Port != map[string]int{"http": 80, "https": 443}[ep.Protocol] {
			host += ":" + strconv.Itoa(ep.Port)
		}
		a, err := HTTP(ctx, Origin{ep.Protocol, host})
		if a == nil || err != nil {
			return nil, err
		}
		return a, nil
	}
	return nil, nil
}

// Install makes go-git's ssh transport resolve HostName and Port through
// SSHConfig, from the HOME in effect, as the logins For returns do.
func Install() {
	gitssh.DefaultSSHConfig = SSHConfig{}
}
