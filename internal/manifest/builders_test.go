package manifest

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestBuilderAddressProblem(t *testing.T) {
	tests := map[string]string{
		"docker":                                "",
		"unix:///run/buildkit/buildkitd.sock":   "",
		"tcp://buildkit.internal:1234":          "",
		"tcp://10.0.0.7:1234/":                  "",
		"tcp://[fd00::7]:1234":                  "",
		"docker-container://buildkitd":          "",
		"docker-container://Build_kit.1":        "",
		"kube-pod://buildkitd-0":                "",
		"kube-pod://buildkitd-0.x?namespace=ci": "",

		"":                                     "must be one of",
		"Docker":                               "must be one of",
		"buildkit.internal:1234":               "must be one of",
		"/run/buildkit/buildkitd.sock":         "must be one of",
		"ssh://user@host":                      "must not carry a user",
		"http://buildkit.internal:1234":        `scheme "http" is not supported`,
		"npipe:////./pipe/buildkitd":           `scheme "npipe" is not supported`,
		"unix://buildkitd.sock":                "absolute path",
		"unix:///run/b.sock?x=1":               "absolute path",
		"tcp://buildkit.internal":              "both the host and the port",
		"tcp://:1234":                          "both the host and the port",
		"tcp://buildkit.internal:0":            "from 1 to 65535",
		"tcp://buildkit.internal:70000":        "from 1 to 65535",
		"tcp://buildkit.internal:http":         "not a valid address",
		"tcp://buildkit.internal:1234/x":       "without a path",
		"tcp://buildkit.internal:1234#x":       "#fragment",
		"tcp://build_kit.internal:1234":        "not a host name",
		"docker-container://":                  "docker-container://<name>",
		"docker-container://a":                 "docker-container://<name>",
		"docker-container://b?context=x":       "docker-container://<name>",
		"docker-container://b/x":               "docker-container://<name>",
		"kube-pod://":                          "kube-pod://<pod>",
		"kube-pod://Buildkitd":                 "kube-pod://<pod>",
		"kube-pod://buildkitd_0":               "kube-pod://<pod>",
		"kube-pod://b?container=x":             `query key "container"`,
		"kube-pod://b?namespace=a&namespace=b": "more than once",
		"kube-pod://b?namespace=":              "empty namespace",
		"kube-pod://b?namespace=CI":            "namespace name",
		"kube-pod://b?namespace=%zz":           "invalid",
	}
	for in, want := range tests {
		got := builderAddressProblem(in)
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Errorf("builderAddressProblem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseBuilderAddress(t *testing.T) {
	got, err := ParseBuilderAddress("tcp://buildkit.internal:1234")
	if err != nil || !reflect.DeepEqual(got, BuildkitEndpoint{Address: "tcp://buildkit.internal:1234"}) {
		t.Errorf("ParseBuilderAddress(tcp://buildkit.internal:1234) = %+v, %v", got, err)
	}
	got, err = ParseBuilderAddress("tcp://buildkit.internal")
	want := `builder "tcp://buildkit.internal": must be tcp://host:port`
	if err == nil || !strings.HasPrefix(err.Error(), want) || got != (BuildkitEndpoint{}) {
		t.Errorf("ParseBuilderAddress(tcp://buildkit.internal) = %+v, %v; want an error starting %q", got, err, want)
	}
}

// TestBuilderEndpoints checks builders written as mappings: which
// combinations of TLS files and jobs are accepted, and where the others
// are reported.
func TestBuilderEndpoints(t *testing.T) {
	const services = "services:\n  a:\n    dir: a\n    git: {remote: r, reference: main}\n" +
		"    dockerBuilder: {image: b, workdir: /src}\n    docker: {image: a}\n"
	tests := []struct {
		name, builders string
		want           []BuildkitEndpoint
		// err is the problem expected instead, from its line on.
		err string
	}{{
		name:     "ca alone",
		builders: "[{address: 'tcp://b:1', ca: /ca.pem}]",
		want:     []BuildkitEndpoint{{Address: "tcp://b:1", CA: "/ca.pem"}},
	}, {
		name:     "client certificate with system roots",
		builders: "[{address: 'tcp://b:1', cert: c.pem, key: k.pem, serverName: 10.0.0.7, jobs: 0x10}]",
		want: []BuildkitEndpoint{{
			Address: "tcp://b:1", Cert: "/m/c.pem", Key: "/m/k.pem", ServerName: "10.0.0.7", Jobs: 16,
		}},
	}, {
		name:     "null is no builder",
		builders: "",
	}, {
		name:     "key without cert",
		builders: "[{address: 'tcp://b:1', key: k.pem}]",
		err:      "1:35: builders[0].cert: required with key",
	}, {
		name:     "TLS on docker",
		builders: "[{address: docker, serverName: b}]",
		err:      "1:30: builders[0].serverName: only a tcp:// builder takes TLS settings; docker is not",
	}, {
		name:     "bad server name",
		builders: "[{address: 'tcp://b:1', serverName: 'b b'}]",
		err:      `1:47: builders[0].serverName: "b b" is not a host name`,
	}, {
		name:     "fractional jobs",
		builders: "[{address: docker, jobs: 1.5}]",
		err:      "1:36: builders[0].jobs: must be a whole number, got a number",
	}, {
		name:     "missing address",
		builders: "[{jobs: 2}]",
		err:      "1:12: builders[0].address: required key is missing",
	}, {
		name:     "empty item",
		builders: "[docker, '']",
		err:      "1:20: builders[1]: must not be empty",
	}, {
		name:     "list item",
		builders: "[[docker]]",
		err:      "1:12: builders[0]: must be a mapping with keys address,",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse("/m/x.yml", []byte("builders: "+tt.builders+"\n"+services))
			if tt.err != "" {
				var errs Errors
				if !errors.As(err, &errs) || len(errs) != 1 || !strings.HasPrefix(err.Error(), "/m/x.yml:"+tt.err) {
					t.Fatalf("got %v, want one problem starting /m/x.yml:%s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m.Builders, tt.want) {
				t.Errorf("Builders = %+v, want %+v", m.Builders, tt.want)
			}
		})
	}
}

func TestOnHost(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ca.pem", "/m/ca.pem"},
		{"../certs/ca.pem", "/certs/ca.pem"},
		{"/etc/./certs/ca.pem", "/etc/certs/ca.pem"},
	}
	for _, tt := range tests {
		if got := onHost("/m", tt.in); got != filepath.FromSlash(tt.want) {
			t.Errorf("onHost(/m, %q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
