package baseimage

import (
	"archive/tar"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckStatic(t *testing.T) {
	text := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(text, []byte("#!/bin/sh\necho hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		want error
	}{
		{"static busybox", DefaultBusybox, nil},
		{"dynamic executable", "/bin/ls", errNotStatic},
		{"shell script", text, errNotStatic},
		{"missing file", filepath.Join(t.TempDir(), "nothing"), fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkStatic(tt.path)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("checkStatic(%s) = %v, want %v", tt.path, err, tt.want)
			}
		})
	}
}

func TestFindBusyboxExplicit(t *testing.T) {
	for _, path := range []string{"/bin/ls", filepath.Join(t.TempDir(), "busybox")} {
		t.Setenv("XP_BUSYBOX", path)
		_, err := findBusybox(t.Context(), DefaultBusybox, debPackage{})
		if err == nil || !strings.Contains(err.Error(), "XP_BUSYBOX") {
			t.Errorf("findBusybox with XP_BUSYBOX=%s: error %v, want one naming XP_BUSYBOX", path, err)
		}
	}
	t.Setenv("XP_BUSYBOX", "")
	if got, err := findBusybox(t.Context(), DefaultBusybox, debPackage{}); err != nil || got != DefaultBusybox {
		t.Errorf("findBusybox() = %q, %v; want %s", got, err, DefaultBusybox)
	}
}

type entry struct {
	typ  byte
	mode int64
	link string
	data string
}

func readTar(t *testing.T, r io.Reader) map[string]entry {
	t.Helper()
	got := map[string]entry{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s is owned by %d:%d, want root", h.Name, h.Uid, h.Gid)
		}
		if len(data) > 512 {
			data = nil // binaries are compared by presence only
		}
		got[h.Name] = entry{typ: h.Typeflag, mode: h.Mode, link: h.Linkname, data: string(data)}
	}
}

func TestBusyboxRootfs(t *testing.T) {
	buf, err := busyboxRootfs(DefaultBusybox)
	if err != nil {
		t.Fatal(err)
	}
	got := readTar(t, buf)
	want := map[string]entry{
		"bin/busybox": {typ: tar.TypeReg, mode: 0o755},
		"bin/sh":      {typ: tar.TypeSymlink, mode: 0o777, link: "busybox"},
		"bin/[":       {typ: tar.TypeSymlink, mode: 0o777, link: "busybox"},
		"bin/awk":     {typ: tar.TypeSymlink, mode: 0o777, link: "busybox"},
		"usr/bin":     {typ: tar.TypeSymlink, mode: 0o777, link: "../bin"},
		"tmp/":        {typ: tar.TypeDir, mode: 0o1777},
		"root/":       {typ: tar.TypeDir, mode: 0o700},
		"etc/passwd":  {typ: tar.TypeReg, mode: 0o644, data: passwd},
		"etc/group":   {typ: tar.TypeReg, mode: 0o644, data: group},
		"etc/hosts":   {typ: tar.TypeReg, mode: 0o644},
	}
	for name, w := range want {
		if g, ok := got[name]; !ok || g != w {
			t.Errorf("entry %s = %+v (present %v), want %+v", name, g, ok, w)
		}
	}
	for _, user := range []string{"root:x:0:0:", "nobody:x:65534:65534:"} {
		if !strings.Contains(got["etc/passwd"].data, user) {
			t.Errorf("etc/passwd lacks %s", user)
		}
	}
}
