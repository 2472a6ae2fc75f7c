package testenv

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHTTPFault(t *testing.T) {
	body := strings.Repeat("x", 10000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	f := StartHTTPFault(t, strings.TrimPrefix(srv.URL, "http://"))
	get := func(path string) (int, int, error) {
		c := &http.Client{Transport: &http.Transport{}, Timeout: 2 * time.Second}
		resp, err := c.Get("http://" + f.Addr + path)
		if err != nil {
			return 0, 0, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, len(b), err
	}

	f.Fail(2)
	for i, want := range []int{503, 503, 200} {
		if code, _, err := get("/"); code != want || err != nil {
			t.Errorf("request %d after Fail(2) = %d, %v; want %d", i, code, err, want)
		}
	}
	if f.Failed() != 2 {
		t.Errorf("Failed() = %d, want 2", f.Failed())
	}

	f.FailMatching("GET /b", 1)
	for _, tt := range []struct {
		path string
		want int
	}{{"/a", 200}, {"/b", 503}, {"/b", 200}} {
		if code, n, err := get(tt.path); code != tt.want || err != nil || code == 200 && n != len(body) {
			t.Errorf("GET %s after FailMatching = %d (%d bytes), %v; want %d", tt.path, code, n, err, tt.want)
		}
	}

	f.CutAfter(1000)
	if _, n, err := get("/"); err == nil || n >= len(body) {
		t.Errorf("after CutAfter(1000): read %d bytes, err %v; want the body cut short", n, err)
	}

	f.Stall()
	if _, _, err := get("/"); err == nil || !strings.Contains(err.Error(), "Timeout") {
		t.Errorf("after Stall: %v, want the client's timeout", err)
	}

	f.Clear()
	if code, n, err := get("/"); code != 200 || n != len(body) || err != nil {
		t.Errorf("after Clear = %d (%d bytes), %v; want the whole body", code, n, err)
	}
}
