package manifest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

const schemaFile = "../../docs/x-platform.schema.json"

// TestSchemaIsCommitted regenerates the schema and compares it with the
// committed file; go generate ./internal/manifest rewrites it.
func TestSchemaIsCommitted(t *testing.T) {
	want, err := SchemaJSON()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is out of date: run go generate ./internal/manifest", schemaFile)
	}
}

// TestSchemaValidates checks manifests against the committed schema: the
// repository's own, the reference's full example and every valid fixture
// pass; unknown keys and other versions fail.
func TestSchemaValidates(t *testing.T) {
	schema := compileSchema(t)
	valid := map[string][]byte{"x-platform.yml": readFile(t, "../../"+FileName)}
	fixtures, _ := filepath.Glob("testdata/valid-*.yaml")
	for _, f := range fixtures {
		valid[f] = readFile(t, f)
	}
	example := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindSubmatch(readFile(t, "../../docs/manifest.md"))
	if example == nil {
		t.Fatal("docs/manifest.md has no yaml example")
	}
	if len(valid) < 10 {
		t.Fatalf("only %d manifests to validate", len(valid))
	}
	for name, data := range valid {
		if _, err := Parse(filepath.Join(t.TempDir(), FileName), data); err != nil {
			t.Errorf("%s does not load: %v", name, err)
		}
	}
	// The reference's example shows every key, not a whole platform.
	valid["docs/manifest.md"] = example[1]
	for name, data := range valid {
		if err := schema.Validate(asJSON(t, data)); err != nil {
			t.Errorf("%s fails the schema: %v", name, err)
		}
	}
	invalid, _ := filepath.Glob("testdata/invalid-unknown-*.yaml")
	invalid = append(invalid, "testdata/invalid-version.yaml", "testdata/invalid-services-missing.yaml", "testdata/invalid-docker-missing.yaml")
	for _, f := range invalid {
		if err := schema.Validate(asJSON(t, readFile(t, f))); err == nil {
			t.Errorf("%s passes the schema", f)
		}
	}
}

// TestSchemaKeysAreTheDecoders checks that the schema lists exactly the
// keys the decoder accepts: both come from the same mappings, and a key the
// schema lists is accepted.
func TestSchemaKeysAreTheDecoders(t *testing.T) {
	props := Schema()["properties"].(node)
	if len(props) != len(topKeys.keys) {
		t.Fatalf("schema has %d top-level keys, the decoder %d", len(props), len(topKeys.keys))
	}
	svc := props["services"].(node)["additionalProperties"].(node)["properties"].(node)
	for _, k := range serviceKeys.names() {
		if _, ok := svc[k]; !ok {
			t.Errorf("services.<name>.%s is missing from the schema", k)
		}
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(readFile(t, schemaFile)))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatalf("compiling the schema: %v", err)
	}
	return s
}

// asJSON reads YAML as a JSON document, as an editor's YAML language
// server does before it checks the schema.
func asJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
