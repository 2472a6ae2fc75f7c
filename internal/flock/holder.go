package flock

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Holder says which run holds a lock.
type Holder struct {
	PID     int
	Host    string
	Started time.Time
	Command string
}

// Self describes this process running command.
func Self(command string) Holder {
	host, _ := os.Hostname()
	return Holder{PID: os.Getpid(), Host: host, Started: time.Now(), Command: command}
}

const recordHeader = "x-platform lock holder v1"

// Encode gives the record written into a lock file. Strings are quoted so
// that a host or command holding a newline cannot forge a line.
func (h Holder) Encode() []byte {
	return fmt.Appendf(nil, "%s\npid %d\nhost %s\nstarted %s\ncommand %s\n", recordHeader,
		h.PID, strconv.Quote(h.Host), h.Started.UTC().Format(time.RFC3339Nano), strconv.Quote(h.Command))
}

// errRecord is any lock file that is not a whole record: empty (the holder
// has not written it yet), cut short by a crash, or not ours.
var errRecord = errors.New("not a lock holder record")

// Decode reads a record written by Encode. Lines it does not know are
// skipped, so that a later version may add some.
func Decode(data []byte) (Holder, error) {
	var h Holder
	lines := strings.Split(string(data), "\n")
	if len(lines) < 2 || lines[0] != recordHeader || lines[len(lines)-1] != "" {
		return Holder{}, errRecord
	}
	seen := map[string]bool{}
	for _, line := range lines[1 : len(lines)-1] {
		key, value, ok := strings.Cut(line, " ")
		if !ok {
			return Holder{}, fmt.Errorf("%w: line %q", errRecord, line)
		}
		if seen[key] {
			return Holder{}, fmt.Errorf("%w: %s given twice", errRecord, key)
		}
		seen[key] = true
		var err error
		switch key {
		case "pid":
			h.PID, err = strconv.Atoi(value)
		case "host":
			h.Host, err = unquote(value)
		case "started":
			h.Started, err = time.Parse(time.RFC3339Nano, value)
			if y := h.Started.UTC().Year(); err == nil && (y < 0 || y > 9999) {
				err = errors.New("year out of range")
			}
		case "command":
			h.Command, err = unquote(value)
		}
		if err != nil {
			return Holder{}, fmt.Errorf("%w: %s: %v", errRecord, key, err)
		}
	}
	for _, key := range []string{"pid", "host", "started", "command"} {
		if !seen[key] {
			return Holder{}, fmt.Errorf("%w: no %s", errRecord, key)
		}
	}
	return h, nil
}

// unquote takes exactly one double-quoted string.
func unquote(s string) (string, error) {
	if len(s) < 2 || s[0] != '"' {
		return "", errors.New("not a quoted string")
	}
	return strconv.Unquote(s)
}
