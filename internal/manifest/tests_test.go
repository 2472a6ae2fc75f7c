package manifest

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

const testsServices = "services:\n" +
	"  zbackend:\n    dir: a\n    git: {remote: r, reference: main}\n    dockerBuilder: {image: b, workdir: /src}\n    docker: {image: team/zbackend}\n"

func TestTests(t *testing.T) {
	t.Parallel()
	src := testsServices + `    tests:
    - {name: ping, image: zbackend, command: [/bin/ping, db]}
environments:
  staging:
    namespace: x-staging
    tests:
    - name: smoke
      kustomize: k8s/tests/smoke/
      timeout: 2m
    - {name: migrate, image: "registry.example.com/tools/migrate:1.2", command: [migrate, --check]}
  production: {}
`
	m, err := Parse("x.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	smoke := Test{Name: "smoke", Env: "staging", Kustomize: "k8s/tests/smoke", Timeout: 2 * time.Minute}
	migrate := Test{Name: "migrate", Env: "staging", Image: "registry.example.com/tools/migrate:1.2", Command: []string{"migrate", "--check"}}
	ping := Test{Name: "ping", Service: "zbackend", Image: "zbackend", Command: []string{"/bin/ping", "db"}}
	if got, want := m.TestsFor("staging"), []Test{smoke, migrate, ping}; !reflect.DeepEqual(got, want) {
		t.Errorf("TestsFor(staging) = %+v, want %+v", got, want)
	}
	if got, want := m.TestsFor("production"), []Test{ping}; !reflect.DeepEqual(got, want) {
		t.Errorf("TestsFor(production) = %+v, want %+v", got, want)
	}
	if got := smoke.RunTimeout(); got != 2*time.Minute {
		t.Errorf("RunTimeout = %s", got)
	}
	if got := ping.RunTimeout(); got != DefaultTestTimeout {
		t.Errorf("RunTimeout without timeout = %s, want %s", got, DefaultTestTimeout)
	}
	if env, _ := m.Environment("staging"); env.Namespace != "x-staging" {
		t.Errorf("tests changed the environment: %+v", env)
	}
}

func TestTestsInvalid(t *testing.T) {
	t.Parallel()
	env := func(tests string) string {
		return testsServices + "environments:\n  staging:\n    tests:\n" + tests
	}
	tests := []struct {
		name, src, want string
	}{
		{"not a list", testsServices + "environments:\n  staging:\n    tests: {name: a}\n",
			"9:12: environments.staging.tests: must be a list of tests"},
		{"no name", env("    - {image: zbackend, command: [x]}\n"),
			"10:7: environments.staging.tests[0].name: required key is missing"},
		{"bad name", env("    - {name: Smoke_1, image: zbackend, command: [x]}\n"),
			"10:14: environments.staging.tests[0].name: test name must be a DNS-1123 label"},
		{"unknown key", env("    - {name: a, image: zbackend, command: [x], args: [y]}\n"),
			"10:48: environments.staging.tests[0].args: unknown key"},
		{"both", env("    - {name: a, kustomize: k8s/t, image: zbackend, command: [x]}\n"),
			"10:28: environments.staging.tests[0].kustomize: a test runs either a kustomize folder or an image with a command, not both"},
		{"neither", env("    - {name: a, timeout: 1m}\n"),
			"10:7: environments.staging.tests[0]: a test needs either kustomize"},
		{"no command", env("    - {name: a, image: zbackend}\n"),
			"10:7: environments.staging.tests[0].command: an image test needs a command"},
		{"command not a list", env("    - {name: a, image: zbackend, command: make smoke}\n"),
			"10:43: environments.staging.tests[0].command: must be a list of strings, got a string"},
		{"bad image", env("    - {name: a, image: Not_An_Image, command: [x]}\n"),
			"10:24: environments.staging.tests[0].image: not a valid image reference"},
		{"absolute folder", env("    - {name: a, kustomize: /k8s/t}\n"),
			"10:28: environments.staging.tests[0].kustomize: must be a folder relative to the manifest's folder"},
		{"folder outside", env("    - {name: a, kustomize: ../t}\n"),
			"10:28: environments.staging.tests[0].kustomize: must be a folder inside the manifest's folder"},
		{"bad timeout", env("    - {name: a, kustomize: k8s/t, timeout: soon}\n"),
			"10:44: environments.staging.tests[0].timeout: must be a positive duration"},
		{"duplicate", env("    - {name: a, kustomize: k8s/t}\n    - {name: a, kustomize: k8s/u}\n"),
			`11:14: environments.staging.tests[1].name: test "a" is already defined at line 10`},
		{"same as a service's", strings.Replace(env("    - {name: ping, kustomize: k8s/t}\n"), "environments:",
			"    tests: [{name: ping, image: zbackend, command: [x]}]\nenvironments:", 1),
			`11:14: environments.staging.tests[0].name: test "ping" is already a service's test (line 7)`},
	}
	for _, tt := range tests {
		_, err := Parse("x.yml", []byte(tt.src))
		var errs Errors
		if !errors.As(err, &errs) || len(errs) != 1 || !strings.HasPrefix(err.Error(), "x.yml:"+tt.want) {
			t.Errorf("%s: got %v, want one problem starting x.yml:%s", tt.name, err, tt.want)
		}
	}
}
