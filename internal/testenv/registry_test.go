package testenv

import (
	"net/http"
	"testing"
)

func TestIntegrationRegistry(t *testing.T) {
	first, second := Registry(t), Registry(t)
	if first == second {
		t.Fatalf("two registries share the address %s", first)
	}
	for _, addr := range []string{first, second} {
		resp, err := http.Get("http://" + addr + "/v2/_catalog")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Docker-Distribution-Api-Version") != "registry/2.0" {
			t.Errorf("GET %s/v2/_catalog: %s, want 200 from a registry", addr, resp.Status)
		}
	}
}
