package sign_test

import (
	"encoding/json"
	"testing"

	"github.com/x-platform/x-platform/internal/sign"
)

func TestStatement(t *testing.T) {
	t.Parallel()
	p := sign.Provenance{
		Service: "zbackend", Repo: "https://git.example.com/zbackend.git", Path: "api", Reference: "main",
		Commit: "0123456789abcdef0123456789abcdef01234567", Builder: "registry.example.com/builders/go:1.26",
		BuilderDigest: "sha256:" + repeat("b", 64), Key: repeat("c", 64),
		KeyParts: map[string]string{"io.x-platform.key.tree": "1f2e", "io.x-platform.key.builder": "sha256:" + repeat("b", 64)},
	}
	st, err := sign.Statement("registry.example.com/zbackend", "sha256:"+repeat("a", 64), p, "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Type          string `json:"_type"`
		PredicateType string `json:"predicateType"`
		Subject       []struct {
			Name   string            `json:"name"`
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
		Predicate struct {
			BuildDefinition struct {
				BuildType            string            `json:"buildType"`
				ExternalParameters   map[string]string `json:"externalParameters"`
				InternalParameters   map[string]any    `json:"internalParameters"`
				ResolvedDependencies []struct {
					Name   string            `json:"name"`
					URI    string            `json:"uri"`
					Digest map[string]string `json:"digest"`
				} `json:"resolvedDependencies"`
			} `json:"buildDefinition"`
			RunDetails struct {
				Builder struct {
					ID      string            `json:"id"`
					Version map[string]string `json:"version"`
				} `json:"builder"`
			} `json:"runDetails"`
		} `json:"predicate"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	check := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	check("_type", got.Type, "https://in-toto.io/Statement/v0.1")
	check("predicateType", got.PredicateType, "https://slsa.dev/provenance/v1")
	if len(got.Subject) != 1 {
		t.Fatalf("subjects = %+v, want one", got.Subject)
	}
	check("subject name", got.Subject[0].Name, "registry.example.com/zbackend")
	check("subject digest", got.Subject[0].Digest["sha256"], repeat("a", 64))
	bd := got.Predicate.BuildDefinition
	check("buildType", bd.BuildType, sign.BuildType)
	check("external repository", bd.ExternalParameters["repository"], p.Repo)
	check("external reference", bd.ExternalParameters["reference"], "main")
	check("external service", bd.ExternalParameters["service"], "zbackend")
	check("external path", bd.ExternalParameters["path"], "api")
	check("cacheKey", bd.InternalParameters["cacheKey"].(string), p.Key)
	parts, _ := bd.InternalParameters["cacheKeyParts"].(map[string]any)
	check("cacheKeyParts tree", parts["io.x-platform.key.tree"].(string), "1f2e")
	check("builderImage", bd.InternalParameters["builderImage"].(string), p.Builder)
	if len(bd.ResolvedDependencies) != 2 {
		t.Fatalf("resolvedDependencies = %+v, want source and builder", bd.ResolvedDependencies)
	}
	src, builder := bd.ResolvedDependencies[0], bd.ResolvedDependencies[1]
	check("source uri", src.URI, "git+https://git.example.com/zbackend.git@main")
	check("source commit", src.Digest["gitCommit"], p.Commit)
	check("builder uri", builder.URI, "docker-image://"+p.Builder)
	check("builder digest", builder.Digest["sha256"], repeat("b", 64))
	check("builder id", got.Predicate.RunDetails.Builder.ID, sign.BuilderID)
	check("tool version", got.Predicate.RunDetails.Builder.Version["x-platform"], "v1.2.3")

	if _, err := sign.Statement("r/x", "not-a-digest", p, "dev"); err == nil {
		t.Error("a digest without algorithm was taken")
	}
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

// TestStatementOfBuilderImage: a builder image comes from a folder of the
// platform repository, which no commit pins, so the statement names no
// source rather than an empty one.
func TestStatementOfBuilderImage(t *testing.T) {
	t.Parallel()
	st, err := sign.Statement("registry.example.com/builders/go", "sha256:"+repeat("a", 64), sign.Provenance{Service: "builders/go", Path: "builders/go"}, "v1")
	if err != nil {
		t.Fatal(err)
	}
	def := st.Predicate.BuildDefinition
	if len(def.ResolvedDependencies) != 0 {
		t.Errorf("resolved dependencies = %+v, want none", def.ResolvedDependencies)
	}
	ext, ok := def.ExternalParameters.(map[string]string)
	if !ok || ext["service"] != "builders/go" || ext["path"] != "builders/go" || len(ext) != 2 {
		t.Errorf("external parameters = %#v", def.ExternalParameters)
	}
}
