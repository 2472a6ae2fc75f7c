package docker

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestReadProgress(t *testing.T) {
	tests := []struct {
		name    string
		stream  string
		wantLog string
		wantAux string
		wantErr string
	}{
		{
			name: "pull without bars",
			stream: `{"status":"Pulling from zbackend","id":"abc"}
{"status":"Pulling fs layer","progressDetail":{},"id":"l1"}
{"status":"Downloading","progressDetail":{"current":10,"total":20},"progress":"[==>  ]","id":"l1"}
{"status":"Pull complete","progressDetail":{},"id":"l1"}
{"status":"Digest: sha256:1111"}
`,
			wantLog: "abc: Pulling from zbackend\nl1: Pulling fs layer\nl1: Pull complete\nDigest: sha256:1111\n",
		},
		{
			name: "push aux",
			stream: `{"status":"Pushed","progressDetail":{},"id":"l1"}
{"status":"abc: digest: sha256:2222 size: 527"}
{"progressDetail":{},"aux":{"Tag":"abc","Digest":"sha256:2222","Size":527}}
`,
			wantLog: "l1: Pushed\nabc: digest: sha256:2222 size: 527\n",
			wantAux: `{"Tag":"abc","Digest":"sha256:2222","Size":527}`,
		},
		{
			name: "error detail",
			stream: `{"status":"Preparing","id":"l1"}
{"errorDetail":{"message":"denied: access forbidden"},"error":"denied: access forbidden"}
`,
			wantLog: "l1: Preparing\n",
			wantErr: "denied: access forbidden",
		},
		{
			name:    "truncated stream",
			stream:  `{"status":"Prep`,
			wantErr: "reading engine messages",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log strings.Builder
			var aux string
			err := readProgress(strings.NewReader(tt.stream), &log, func(m json.RawMessage) { aux = string(m) })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if log.String() != tt.wantLog {
				t.Errorf("log = %q, want %q", log.String(), tt.wantLog)
			}
			if aux != tt.wantAux {
				t.Errorf("aux = %q, want %q", aux, tt.wantAux)
			}
		})
	}
}

func TestReadBuildOutput(t *testing.T) {
	tests := []struct {
		name       string
		stream     string
		wantID     string
		wantLog    string
		wantOutput []string
	}{
		{
			name: "success",
			stream: `{"stream":"Step 1/2 : FROM base\n"}
{"stream":" ---\u003e 0123\n"}
{"stream":"Step 2/2 : RUN echo hi\n"}
{"stream":"hi"}
{"stream":"\n"}
{"aux":{"ID":"sha256:abcd"}}
{"stream":"Successfully built abcd\n"}
`,
			wantID:  "sha256:abcd",
			wantLog: "Step 1/2 : FROM base\n ---> 0123\nStep 2/2 : RUN echo hi\nhi\nSuccessfully built abcd\n",
		},
		{
			name: "failing step keeps its output",
			stream: `{"stream":"Step 1/2 : FROM base\n"}
{"stream":"Step 2/2 : RUN echo boom \u0026\u0026 exit 3\n"}
{"stream":" ---\u003e Running in 77\n"}
{"stream":"boom\n"}
{"errorDetail":{"code":3,"message":"The command '/bin/sh -c echo boom \u0026\u0026 exit 3' returned a non-zero code: 3"},"error":"x"}
`,
			wantLog:    "Step 1/2 : FROM base\nStep 2/2 : RUN echo boom && exit 3\n ---> Running in 77\nboom\n",
			wantOutput: []string{"Step 2/2 : RUN echo boom && exit 3", "boom"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log strings.Builder
			id, err := readBuildOutput(strings.NewReader(tt.stream), &log)
			if tt.wantOutput != nil {
				var be *BuildError
				if !errors.As(err, &be) {
					t.Fatalf("err = %v, want *BuildError", err)
				}
				if strings.Join(be.Output, "|") != strings.Join(tt.wantOutput, "|") {
					t.Errorf("output = %q, want %q", be.Output, tt.wantOutput)
				}
				if !strings.Contains(err.Error(), "boom") || !strings.Contains(err.Error(), "non-zero code: 3") {
					t.Errorf("error %q lacks the step output or message", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if id != tt.wantID {
				t.Errorf("id = %q, want %q", id, tt.wantID)
			}
			if log.String() != tt.wantLog {
				t.Errorf("log = %q, want %q", log.String(), tt.wantLog)
			}
		})
	}
}

func TestStepLogKeepsRecentLines(t *testing.T) {
	s := &stepLog{}
	s.write("Step 3/3 : RUN long\n")
	for i := range 100 {
		s.write(strings.Repeat("x", i%3) + "line\n")
	}
	s.write("last")
	s.flush()
	got := s.tail()
	if len(got) != failureTail || got[0] != "Step 3/3 : RUN long" || got[len(got)-1] != "last" {
		t.Errorf("tail has %d lines, first %q, last %q", len(got), got[0], got[len(got)-1])
	}
}

func TestScriptErrorMessage(t *testing.T) {
	err := &ScriptError{Line: "make test", Index: 2, ExitCode: 3}
	if got, want := err.Error(), "line 2 `make test` exited with code 3"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
