package testenv

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// echoServer answers each line with the line repeated ten times.
func echoServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := io.WriteString(c, strings.Repeat(strings.TrimSpace(line), 10)+"\n"); err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

func ask(addr, line string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

func TestFaultProxy(t *testing.T) {
	t.Parallel()
	p := StartFaultProxy(t, echoServer(t))
	if got, err := ask(p.Addr(), "0123456789"); err != nil || got != strings.Repeat("0123456789", 10)+"\n" {
		t.Fatalf("pass: %q %v", got, err)
	}
	p.Set(Refuse)
	if got, err := ask(p.Addr(), "x"); err == nil {
		t.Fatalf("refuse answered %q", got)
	}
	p.Set(Cut)
	p.SetCutAfter(15)
	if got, err := ask(p.Addr(), "0123456789"); err == nil || got != "012345678901234" {
		t.Fatalf("cut: %q %v, want the first 15 bytes and an error", got, err)
	}
	p.Set(Stall)
	if got, err := ask(p.Addr(), "x"); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("stall: %q %v, want a timeout", got, err)
	}
	if p.Faulted() != 3 {
		t.Errorf("faulted = %d, want 3", p.Faulted())
	}
	p.Set(Slow)
	start := time.Now()
	if got, err := ask(p.Addr(), "0123456789"); err != nil || len(got) != 101 || time.Since(start) < 100*time.Millisecond {
		t.Fatalf("slow: %q %v after %s", got, err, time.Since(start))
	}
	p.Set(Pass)
	if _, err := ask(p.Addr(), "x"); err != nil {
		t.Fatalf("pass again: %v", err)
	}
}
