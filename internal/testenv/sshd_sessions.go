package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// SSHDOption changes how StartSSHD's server runs its sessions.
type SSHDOption func(*sshdOptions)

type sshdOptions struct {
	logSessions bool
}

// LogSessions makes every session of the server run through a script that
// logs it (see SSHD.Sessions) and can make it wait (see
// SSHD.SetSessionDelay). Without it sessions run their command directly:
// the script costs the server a few processes per session, which on a
// loaded machine weighs on benchmarks.
func LogSessions(o *sshdOptions) { o.logSessions = true }

// sessionScript is what every session of a LogSessions sshd runs instead
// of the command asked for, as an account's shell rc would run first: it
// logs the command, waits the delay SetSessionDelay wrote, runs the command
// and logs its end. Lines are short and appended, so sessions running at
// once do not mix them. It forks nothing but the command and the sleep.
func sessionScript(dir string) string {
	log := filepath.Join(dir, "sessions.log")
	return fmt.Sprintf(`printf 'start %%s\n' "$SSH_ORIGINAL_COMMAND" >> %[1]q
read -r d < %[2]q
[ "$d" = 0 ] || sleep "$d"
eval "$SSH_ORIGINAL_COMMAND"
rc=$?
printf 'end %%s\n' "$SSH_ORIGINAL_COMMAND" >> %[1]q
exit $rc
`, log, filepath.Join(dir, "session_delay"))
}

// SetSessionDelay makes every session started from now on wait delay on
// the server before its command runs, as an account whose shell reads a
// slow ~/.bashrc does.
func (d *SSHD) SetSessionDelay(t testing.TB, delay time.Duration) {
	t.Helper()
	d.mustLog(t)
	secs := fmt.Sprintf("%.3f\n", delay.Seconds())
	if err := os.WriteFile(filepath.Join(d.dir, "session_delay"), []byte(secs), 0o644); err != nil {
		t.Fatal(err)
	}
}

// SessionLog is what the server's sessions ran so far.
type SessionLog struct {
	// Started counts the sessions that started, by repository path (the
	// argument of git-upload-pack or git-receive-pack, unquoted), or by
	// the whole command for any other command.
	Started map[string]int
	// Peak is the most sessions that ran at once.
	Peak int
}

// Total is the number of sessions started.
func (l SessionLog) Total() int {
	n := 0
	for _, c := range l.Started {
		n += c
	}
	return n
}

// Sessions reads the session log, from the start of the server or from
// the last ResetSessions.
func (d *SSHD) Sessions(t testing.TB) SessionLog {
	t.Helper()
	d.mustLog(t)
	b, err := os.ReadFile(filepath.Join(d.dir, "sessions.log"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	l := SessionLog{Started: map[string]int{}}
	running := 0
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "start "):
			l.Started[sessionRepo(strings.TrimPrefix(line, "start "))]++
			running++
			l.Peak = max(l.Peak, running)
		case strings.HasPrefix(line, "end "):
			running--
		}
	}
	return l
}

// ResetSessions empties the session log.
func (d *SSHD) ResetSessions(t testing.TB) {
	t.Helper()
	d.mustLog(t)
	if err := os.Remove(filepath.Join(d.dir, "sessions.log")); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

// mustLog fails the test when the server does not log its sessions: an
// empty log would read as no session opened.
func (d *SSHD) mustLog(t testing.TB) {
	t.Helper()
	if !d.logged {
		t.Fatal("the sshd was started without testenv.LogSessions: it neither logs nor delays sessions")
	}
}

// sessionRepo is the repository a git command works on: its argument
// without the shell's quotes, as git and go-git quote it.
func sessionRepo(cmd string) string {
	for _, prog := range []string{"git-upload-pack ", "git-receive-pack ", "git upload-pack ", "git receive-pack "} {
		if arg, ok := strings.CutPrefix(cmd, prog); ok {
			return strings.ReplaceAll(strings.Trim(arg, "'"), `'\''`, "'")
		}
	}
	return cmd
}
