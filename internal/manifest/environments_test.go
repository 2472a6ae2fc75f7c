package manifest

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestLoadEnvironments(t *testing.T) {
	t.Parallel()
	m, err := Load(filepath.Join("testdata", "valid-environments.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Environment{
		{Name: "staging", Context: "kind-staging", Namespace: "x-staging"},
		{Name: "production", Context: "prod-admin"},
		{Name: "dev"},
	}
	if !reflect.DeepEqual(m.Environments, want) {
		t.Errorf("Environments = %+v, want %+v", m.Environments, want)
	}
	tests := []struct {
		name   string
		want   Environment
		wantOK bool
	}{
		{"staging", want[0], true},
		{"dev", want[2], true},
		{"qa", Environment{Name: "qa"}, false},
	}
	for _, tt := range tests {
		got, ok := m.Environment(tt.name)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("Environment(%q) = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestNoEnvironments(t *testing.T) {
	t.Parallel()
	m, err := Load(filepath.Join("testdata", "valid-minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Environments != nil {
		t.Errorf("Environments = %+v, want none", m.Environments)
	}
}

func TestLoadCanary(t *testing.T) {
	t.Parallel()
	m, err := Load(filepath.Join("testdata", "valid-canary.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	prod, _ := m.Environment("production")
	staging, _ := m.Environment("staging")
	for _, tt := range []struct {
		env  string
		got  *Canary
		want Canary
	}{
		{"production", prod.Canary, Canary{Steps: []int{10, 50}, Manual: true, Gate: GateTests}},
		{"staging", staging.Canary, Canary{Steps: []int{25}, Pause: 30 * time.Second}},
	} {
		if tt.got == nil || !reflect.DeepEqual(*tt.got, tt.want) {
			t.Errorf("%s: Canary = %+v, want %+v", tt.env, tt.got, tt.want)
		}
	}
}
