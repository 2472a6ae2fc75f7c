package flock

import (
	"testing"
	"time"
)

func TestDecodeRefuses(t *testing.T) {
	whole := string(Holder{PID: 1, Host: "h", Started: time.Unix(0, 0), Command: "c"}.Encode())
	for name, data := range map[string]string{
		"empty":      "",
		"cut short":  whole[:len(whole)-5],
		"no newline": whole[:len(whole)-1],
		"other file": "hello\n",
		"twice":      whole + "pid 2\n",
		"bad pid":    recordHeader + "\npid x\nhost \"h\"\nstarted 2026-01-01T00:00:00Z\ncommand \"c\"\n",
		"bare host":  recordHeader + "\npid 1\nhost h\nstarted 2026-01-01T00:00:00Z\ncommand \"c\"\n",
		"year 10000": recordHeader + "\npid 1\nhost \"h\"\nstarted 9999-12-31T23:59:59-23:00\ncommand \"c\"\n",
	} {
		if h, err := Decode([]byte(data)); err == nil {
			t.Errorf("%s: decoded %+v", name, h)
		}
	}
}

// FuzzHolderRecord checks that any lock file content decodes without
// panicking, and that what decodes encodes back to the same holder.
func FuzzHolderRecord(f *testing.F) {
	f.Add(Holder{PID: 12, Host: "ci-7", Started: time.Unix(1700000000, 5), Command: "x-platform build -s a"}.Encode())
	f.Add([]byte(recordHeader + "\npid 1\nhost \"a\\nb\"\nstarted 2026-01-01T00:00:00+02:00\ncommand \"\\xff\"\nextra x\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := Decode(data)
		if err != nil {
			return
		}
		back, err := Decode(h.Encode())
		if err != nil {
			t.Fatalf("re-encoding %+v: %v", h, err)
		}
		if !same(back, h) {
			t.Fatalf("round trip: %+v became %+v", h, back)
		}
	})
}

// FuzzHolderEncode checks that every holder survives a round trip.
func FuzzHolderEncode(f *testing.F) {
	f.Add(1, "host", int64(0), "cmd")
	f.Add(-5, "a\nb\"c", int64(-1<<62), "\xff\x00 line\nforged 1")
	f.Fuzz(func(t *testing.T, pid int, host string, nanos int64, command string) {
		h := Holder{PID: pid, Host: host, Started: time.Unix(0, nanos), Command: command}
		back, err := Decode(h.Encode())
		if err != nil {
			t.Fatalf("decoding %+v: %v", h, err)
		}
		if !same(back, h) {
			t.Fatalf("round trip: %+v became %+v", h, back)
		}
	})
}

func same(a, b Holder) bool {
	return a.PID == b.PID && a.Host == b.Host && a.Command == b.Command && a.Started.Equal(b.Started)
}
