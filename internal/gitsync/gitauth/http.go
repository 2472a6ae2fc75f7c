package gitauth

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// Origin is where an https credential may be sent: scheme and host[:port],
// the port only when it is not the scheme's default.
type Origin struct{ Scheme, Host string }

func (o Origin) String() string { return o.Scheme + "://" + o.Host }

// OriginOf returns the origin of an http(s) URL.
func OriginOf(raw string) (Origin, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Origin{}, false
	}
	host := strings.ToLower(u.Host)
	if p := u.Port(); p == map[string]string{"http": "80", "https": "443"}[u.Scheme] {
		host = strings.ToLower(u.Hostname())
	}
	return Origin{u.Scheme, host}, true
}

// hostname is the origin's host without a port, as .netrc names machines.
func (o Origin) hostname() string {
	u := url.URL{Host: o.Host}
	return u.Hostname()
}

// source is one place credentials may come from; ok is false when it has
// none for the origin.
type source struct {
	name string
	find func(ctx context.Context, o Origin) (user, pass string, ok bool, err error)
}

// sources are asked in this order; the first that has credentials wins.
var sources = []source{
	{"XP_GIT_USERNAME/XP_GIT_PASSWORD", fromXPEnv},
	{"git credential fill", fromGitHelper},
	{"~/.git-credentials", fromGitCredentials},
	{"~/.netrc", fromNetrc},
	{"GITHUB_TOKEN", fromGitHub},
	{"CI_JOB_TOKEN", fromGitLab},
}

var found sync.Map // HOME + origin → *githttp.BasicAuth (nil: none)

// HTTP returns the credentials for an http(s) origin, or nil when no
// source has any, in which case the remote is asked anonymously. Nothing
// found for one origin is ever used for another. Results are kept for the
// process, so 50 remotes on one host run a credential helper once.
func HTTP(ctx context.Context, o Origin) (*githttp.BasicAuth, error) {
	key := home() + "\x00" + o.String()
	if v, ok := found.Load(key); ok {
		return v.(*githttp.BasicAuth), nil
	}
	var auth *githttp.BasicAuth
	for _, s := range sources {
		user, pass, ok, err := s.find(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("reading credentials for %s from %s: %w", o, s.name, err)
		}
		if ok {
			auth = &githttp.BasicAuth{Username: user, Password: pass}
			break
		}
	}
	found.Store(key, auth)
	return auth, nil
}

// fromXPEnv takes XP_GIT_USERNAME and XP_GIT_PASSWORD (or XP_GIT_TOKEN)
// only for the origin XP_GIT_HOST names: a pair meant for one server must
// not reach every server the manifest lists.
func fromXPEnv(_ context.Context, o Origin) (string, string, bool, error) {
	user, pass := os.Getenv("XP_GIT_USERNAME"), os.Getenv("XP_GIT_PASSWORD")
	if pass == "" {
		pass = os.Getenv("XP_GIT_TOKEN")
	}
	if pass == "" {
		return "", "", false, nil
	}
	scope := os.Getenv("XP_GIT_HOST")
	if scope == "" {
		return "", "", false, fmt.Errorf("XP_GIT_PASSWORD or XP_GIT_TOKEN is set but XP_GIT_HOST is not: set XP_GIT_HOST to the host (host[:port]) they are for")
	}
	if ok, err := xpScope(scope, o); !ok || err != nil {
		return "", "", false, err
	}
	if user == "" {
		user = "git" // hosts that take a token ignore the user name, but it may not be empty
	}
	return user, pass, true, nil
}

// xpScope says whether XP_GIT_HOST scope covers origin o. A bare host
// covers only https: the pair would cross the network in clear text to an
// http:// remote, so that is refused unless the scope names the http
// origin itself (scheme, host and port).
func xpScope(scope string, o Origin) (bool, error) {
	if strings.Contains(scope, "://") {
		so, ok := OriginOf(strings.TrimSuffix(scope, "/"))
		if !ok {
			return false, fmt.Errorf("XP_GIT_HOST=%s is neither host[:port] nor an http(s)://host[:port] origin", scope)
		}
		return so == o, nil
	}
	if !strings.EqualFold(scope, o.Host) {
		return false, nil
	}
	if o.Scheme != "https" {
		return false, fmt.Errorf("XP_GIT_HOST names %s, but this remote is %s: the password would cross the network in clear text, so it is not sent; use the https:// URL of the repository, or set XP_GIT_HOST=%s to send it over plain http anyway", scope, o, o)
	}
	return true, nil
}

// fromGitHelper asks git's configured credential helpers, without ever
// prompting: the run is not interactive.
func fromGitHelper(ctx context.Context, o Origin) (string, string, bool, error) {
	gitBin, err := exec.LookPath("git")
	if err != nil {
		return "", "", false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, gitBin, "credential", "fill")
	cmd.Stdin = strings.NewReader(fmt.Sprintf("protocol=%s\nhost=%s\n\n", o.Scheme, o.Host))
	// An empty GIT_ASKPASS also stops core.askPass and SSH_ASKPASS; Git
	// Credential Manager would otherwise open a window.
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "GCM_INTERACTIVE=never")
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return "", "", false, nil // no helper had any: git then wants a prompt, which is refused
	}
	var user, pass string
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "username":
			user = v
		case "password":
			pass = v
		}
	}
	return user, pass, pass != "", nil
}

// fromGitCredentials reads the file git's "store" helper writes, one URL
// per line with the credentials in it. It is read directly too, for
// machines without git, such as the orchestrator's image.
func fromGitCredentials(_ context.Context, o Origin) (string, string, bool, error) {
	for _, path := range credentialFiles() {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			u, err := url.Parse(strings.TrimSpace(line))
			if err != nil || u.User == nil {
				continue
			}
			if lo, ok := OriginOf(u.String()); ok && lo == o {
				pass, _ := u.User.Password()
				return u.User.Username(), pass, true, nil
			}
		}
	}
	return "", "", false, nil
}

func credentialFiles() []string {
	files := []string{filepath.Join(home(), ".git-credentials")}
	if x := os.Getenv("XDG_CONFIG_HOME"); x != "" {
		files = append(files, filepath.Join(x, "git", "credentials"))
	} else {
		files = append(files, filepath.Join(home(), ".config", "git", "credentials"))
	}
	return files
}

// fromNetrc reads ~/.netrc (or NETRC) as curl does: the machine entry for
// the host, else the default entry.
func fromNetrc(_ context.Context, o Origin) (string, string, bool, error) {
	path := os.Getenv("NETRC")
	if path == "" {
		path = filepath.Join(home(), ".netrc")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", false, nil
	}
	user, pass, ok := netrcLookup(string(b), o.hostname())
	return user, pass, ok, nil
}

func netrcLookup(text, host string) (string, string, bool) {
	f := strings.Fields(text)
	var user, pass string
	matched, inDefault := false, false
	var defUser, defPass string
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case "machine":
			if matched {
				return user, pass, pass != ""
			}
			inDefault = false
			if i+1 < len(f) {
				i++
				matched = strings.EqualFold(f[i], host)
			}
		case "default":
			if matched {
				return user, pass, pass != ""
			}
			inDefault = true
		case "login", "password", "account", "macdef":
			if i+1 >= len(f) {
				break
			}
			i++
			switch {
			case matched && f[i-1] == "login":
				user = f[i]
			case matched && f[i-1] == "password":
				pass = f[i]
			case inDefault && f[i-1] == "login":
				defUser = f[i]
			case inDefault && f[i-1] == "password":
				defPass = f[i]
			}
		}
	}
	if matched {
		return user, pass, pass != ""
	}
	return defUser, defPass, defPass != ""
}

// fromGitHub is GitHub Actions' token, for the server the workflow runs
// on (GITHUB_SERVER_URL, github.com by default) and no other.
func fromGitHub(_ context.Context, o Origin) (string, string, bool, error) {
	tok := os.Getenv("GITHUB_TOKEN")
	if tok == "" {
		return "", "", false, nil
	}
	server := os.Getenv("GITHUB_SERVER_URL")
	if server == "" {
		server = "https://github.com"
	}
	if so, ok := OriginOf(server); !ok || so != o {
		return "", "", false, nil
	}
	return "x-access-token", tok, true, nil
}

// fromGitLab is GitLab CI's job token, for the instance the job runs on
// (CI_SERVER_URL, or https://CI_SERVER_HOST) and no other.
func fromGitLab(_ context.Context, o Origin) (string, string, bool, error) {
	tok := os.Getenv("CI_JOB_TOKEN")
	if tok == "" {
		return "", "", false, nil
	}
	server := os.Getenv("CI_SERVER_URL")
	if server == "" && os.Getenv("CI_SERVER_HOST") != "" {
		server = "https://" + os.Getenv("CI_SERVER_HOST")
	}
	if so, ok := OriginOf(server); !ok || so != o {
		return "", "", false, nil
	}
	return "gitlab-ci-token", tok, true, nil
}
