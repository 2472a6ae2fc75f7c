package image

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		url     string
		secrets []string
	}{
		{"https://bob:hunter2@registry.example.com/v2/", []string{"hunter2"}},
		{"https://blobs.example.com/x?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA", []string{"deadbeef", "AKIA"}},
		{"https://registry.example.com/token?access_token=s3cr3t&scope=x", []string{"s3cr3t"}},
		{"https://registry.example.com/v2/", nil},
	}
	for _, tt := range tests {
		cause := fmt.Errorf("deadline: %w", context.DeadlineExceeded)
		err := redact(&url.Error{Op: "Get", URL: tt.url, Err: cause})
		for _, s := range tt.secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("redact(%s) = %q, still contains %q", tt.url, err, s)
			}
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("redact(%s) lost the cause: %v", tt.url, err)
		}
	}
}

func TestIsNotFound(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"404 without body", &transport.Error{StatusCode: http.StatusNotFound}, true},
		{"manifest unknown", &transport.Error{StatusCode: http.StatusBadRequest, Errors: []transport.Diagnostic{{Code: transport.ManifestUnknownErrorCode}}}, true},
		{"name unknown", &transport.Error{StatusCode: http.StatusBadRequest, Errors: []transport.Diagnostic{{Code: transport.NameUnknownErrorCode}}}, true},
		{"wrapped 404", fmt.Errorf("heading: %w", &transport.Error{StatusCode: http.StatusNotFound}), true},
		{"unauthorized", &transport.Error{StatusCode: http.StatusUnauthorized, Errors: []transport.Diagnostic{{Code: transport.UnauthorizedErrorCode}}}, false},
		{"connection refused", &url.Error{Op: "Get", URL: "http://127.0.0.1:1/v2/", Err: errors.New("connection refused")}, false},
	}
	for _, tt := range tests {
		if got := isNotFound(tt.err); got != tt.want {
			t.Errorf("%s: isNotFound = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestHostOf(t *testing.T) {
	tests := map[string]string{
		"zbackend:abc":                           "",
		"team/zbackend:abc":                      "",
		"localhost/zbackend":                     "localhost",
		"127.0.0.1:5000/zbackend:abc":            "127.0.0.1:5000",
		"registry.example.com/team/zfront:v1":    "registry.example.com",
		"registry.internal:8443/zbackend@sha256": "registry.internal:8443",
	}
	for ref, want := range tests {
		if got := hostOf(ref); got != want {
			t.Errorf("hostOf(%q) = %q, want %q", ref, got, want)
		}
	}
}
