package testenv

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// controlProc is one process of the control plane, with its output in <dir>/<name>.log.
type controlProc struct {
	name      string
	cmd       *exec.Cmd
	log       string
	firstLine chan string // the first line of stdout, then closed
	done      chan struct{}
}

// run starts bin/name with args in the cluster's directory. The process gets SIGKILL
// should the test binary die before stopping it.
func (cp *controlPlane) run(name string, args ...string) (*controlProc, error) {
	p := &controlProc{
		name:      name,
		log:       filepath.Join(cp.dir, name+".log"),
		firstLine: make(chan string, 1),
		done:      make(chan struct{}),
	}
	logFile, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("creating the log of %s: %w", name, err)
	}
	p.cmd = exec.Command(filepath.Join(cp.bin, name), args...)
	p.cmd.Dir = cp.dir
	p.cmd.Stderr = logFile
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := p.cmd.StdoutPipe()
	if err == nil {
		err = p.cmd.Start()
	}
	if err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	cp.procs = append(cp.procs, p)
	go func() {
		defer close(p.done)
		defer logFile.Close()
		r := bufio.NewReader(stdout)
		if line, err := r.ReadString('\n'); err == nil {
			p.firstLine <- strings.TrimSpace(line)
			logFile.WriteString(line)
		}
		close(p.firstLine)
		io.Copy(logFile, r)
		p.cmd.Wait()
	}()
	return p, nil
}

func (p *controlProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// failure adds the end of p's log to err.
func (p *controlProc) failure(err error) error {
	return fmt.Errorf("%s: %w\n%s", p.name, err, p.tail())
}

// tail returns the last lines of p's log under a heading.
func (p *controlProc) tail() string {
	data, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 25 {
		lines = lines[len(lines)-25:]
	}
	state := "running"
	if p.exited() {
		state = p.cmd.ProcessState.String()
	}
	return fmt.Sprintf("--- %s (%s), end of %s:\n%s", p.name, state, p.log, strings.Join(lines, "\n"))
}

// stop stops the processes in the reverse order of their start, each with SIGTERM and,
// if it is still running after five seconds, SIGKILL.
func (cp *controlPlane) stop() {
	for i := len(cp.procs) - 1; i >= 0; i-- {
		p := cp.procs[i]
		if !p.exited() {
			p.cmd.Process.Signal(syscall.SIGTERM)
		}
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
	}
	cp.procs = nil
}
