package track

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestPolicyOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		annotations map[string]string
		want        Policy
		wantErr     string
	}{
		{name: "defaults", want: DefaultPolicy},
		{name: "untracked", annotations: map[string]string{TrackAnnotation: "false"}, want: Policy{FailMode: FailWholeDeployProcessImmediately}},
		{name: "hope", annotations: map[string]string{FailModeAnnotation: "HopeUntilEndOfDeployProcess", FailuresAllowedAnnotation: "2"},
			want: Policy{Track: true, FailMode: HopeUntilEndOfDeployProcess, FailuresAllowedPerReplica: 2}},
		{name: "ignore", annotations: map[string]string{FailModeAnnotation: "IgnoreAndContinueDeployProcess", TrackAnnotation: "true"},
			want: Policy{Track: true, FailMode: IgnoreAndContinueDeployProcess}},
		{name: "bad mode", annotations: map[string]string{FailModeAnnotation: "hope"}, wantErr: `"hope" is not one of`},
		{name: "bad track", annotations: map[string]string{TrackAnnotation: "no way"}, wantErr: "is not true or false"},
		{name: "negative failures", annotations: map[string]string{FailuresAllowedAnnotation: "-1"}, wantErr: "at least 0"},
		{name: "word failures", annotations: map[string]string{FailuresAllowedAnnotation: "many"}, wantErr: "whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &unstructured.Unstructured{}
			u.SetAnnotations(tt.annotations)
			got, err := PolicyOf(u)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("PolicyOf = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
