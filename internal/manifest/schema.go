package manifest

//go:generate go run ../../hack/schema ../../docs/x-platform.schema.json

import (
	"encoding/json"
	"fmt"
)

// The keys of x-platform.yml and what each holds, in the order the file
// documents them. The decoder accepts exactly these keys (see keys), and
// Schema writes them as a JSON Schema for editors, so neither can drift
// from the other.

// node describes one value of the file: a JSON Schema fragment.
type node map[string]any

// key is one entry of a mapping.
type key struct {
	name     string
	required bool
	value    node
}

// mapping is a YAML mapping with a fixed set of keys.
type mapping struct {
	doc  string
	keys []key
}

// names lists the mapping's keys, for the decoder.
func (m mapping) names() []string {
	out := make([]string, len(m.keys))
	for i, k := range m.keys {
		out[i] = k.name
	}
	return out
}

// schema is the mapping as a closed JSON Schema object.
func (m mapping) schema() node {
	props := node{}
	var required []string
	for _, k := range m.keys {
		props[k.name] = k.value
		if k.required {
			required = append(required, k.name)
		}
	}
	n := node{"type": "object", "description": m.doc, "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		n["required"] = required
	}
	return n
}

// scalar is a string as the decoder reads one: any scalar, taken as
// written, so reference: 1.10 is the string "1.10"; empty (null) is "".
func scalar(doc string) node {
	return node{"type": []string{"string", "number", "boolean", "null"}, "description": doc}
}

// Empty (null) values are allowed wherever the decoder takes them as absent.

func flag(doc string) node {
	return node{"type": []string{"boolean", "null"}, "description": doc}
}

func whole(doc string) node {
	return node{"type": []string{"integer", "null"}, "minimum": 0, "description": doc}
}

func list(doc string) node {
	return node{"type": []string{"array", "null"}, "items": scalar(""), "description": doc}
}
func strMap(doc string) node {
	return node{"type": "object", "additionalProperties": scalar(""), "description": doc}
}

var (
	gitKeys = mapping{"Where the service's source comes from.", []key{
		{"remote", true, scalar("git remote: URL, scp-like host:path, or a path (./ and ../ are relative to the manifest's folder)")},
		{"reference", true, scalar("branch (origin/<b> or <b>), tag or full commit SHA")},
		{"path", false, scalar("subfolder of the repository the service is made from (monorepos)")},
		{"depth", false, whole("commits of history a checkout fetches; 0 for all of it")},
		{"checkout", false, flag("false: the checkout holds only .git at the commit, no files of the tree")},
	}}
	builderKeys = mapping{"The image the build and test scripts run in; leave it out to build with the Dockerfile alone.", []key{
		{"image", true, scalar("builder image, made from builders/<last path component>/ when missing")},
		{"workdir", true, scalar("absolute folder in the builder the source is copied to")},
		{"env", false, strMap("variables set for the scripts")},
		{"caches", false, list("absolute folders in the builder kept between builds")},
	}}
	dockerKeys = mapping{"How the service image is built and named.", []key{
		{"image", true, scalar("repository below registry")},
		{"dockerfile", false, scalar("relative to the service's folder; Dockerfile when omitted")},
		{"context", false, scalar("relative to the service's folder; . when omitted")},
		{"target", false, scalar("Dockerfile stage to build")},
		{"buildArgs", false, strMap(`build args; {{ image "service" }} names another service's exact image`)},
		{"platforms", false, list("os/arch[/variant] platforms to build for")},
	}}
	scriptKeys = mapping{"Shell lines run with sh -c in the builder, in order; they need dockerBuilder.", []key{
		{"build", false, list("build lines")},
		{"test", false, list("test lines, run after the build lines")},
		{"reports", false, list("files or folders the scripts write, copied to .x-platform/reports/<service>/")},
	}}
	secretKeys = mapping{"A value the build may read but never keeps; exactly one of env and file.", []key{
		{"id", true, scalar("names /run/secrets/<id> and RUN --mount=type=secret,id=<id>")},
		{"env", false, scalar("variable the value is read from")},
		{"file", false, scalar("file the value is read from: absolute, relative to the manifest's folder, or ~/...")},
	}}
	testKeys = mapping{"A post-deploy test: kustomize, or image and command.", []key{
		{"name", true, scalar("test name, unique")},
		{"kustomize", false, scalar("folder of a kustomization holding the test's Job")},
		{"image", false, scalar("service whose deployed image the test runs")},
		{"command", false, list("command the test runs in image")},
		{"timeout", false, scalar("how long the test may run, such as 5m")},
	}}
	serviceKeys = mapping{"One service: its source, build and image.", []key{
		{"dir", true, scalar("checkout folder, relative to the manifest's folder")},
		{"git", true, gitKeys.schema()},
		{"dockerBuilder", false, builderKeys.schema()},
		{"docker", true, dockerKeys.schema()},
		{"scripts", false, scriptKeys.schema()},
		{"secrets", false, node{"type": "array", "items": secretKeys.schema()}},
		{"timeout", false, scalar("bound of the build and tests, such as 30m")},
		{"tests", false, node{"type": "array", "items": testKeys.schema(), "description": "post-deploy tests every environment runs"}},
	}}
	previewKeys = mapping{"Makes the environment a template of preview environments.", []key{
		{"namespace", true, scalar("namespace pattern, with {name}")},
		{"ttl", false, scalar("how long a preview lives, such as 72h")},
	}}
	canaryKeys = mapping{"Deploys a new version to a share of the traffic first, then more, step by step.", []key{
		{"steps", true, node{"type": "array", "items": node{"type": "integer", "minimum": 1, "maximum": 99}, "minItems": 1,
			"description": "shares of traffic in percent, strictly increasing; the full rollout follows the last"}},
		{"pause", false, scalar("how long each step runs, such as 30s, or manual: wait for x-platform canary promote")},
		{"gate", false, node{"enum": []string{"tests"}, "description": "tests: the post-deploy tests run against each step"}},
	}}
	environmentKeys = mapping{"An environment deploys target: the overlay k8s/overlays/<name>.", []key{
		{"context", false, scalar("kubeconfig context")},
		{"namespace", false, scalar("namespace")},
		{"requireSignatures", false, flag("deploy only signed images")},
		{"protected", false, flag("refuse --local images")},
		{"tests", false, node{"type": "array", "items": testKeys.schema()}},
		{"preview", false, previewKeys.schema()},
		{"canary", false, canaryKeys.schema()},
	}}
	endpointKeys = mapping{"A BuildKit daemon with TLS files.", []key{
		{"address", true, scalar("tcp://host:port")},
		{"ca", false, scalar("CA certificate file")},
		{"cert", false, scalar("client certificate file")},
		{"key", false, scalar("client key file")},
		{"serverName", false, scalar("name the daemon's certificate is checked against")},
		{"jobs", false, whole("builds at once on this daemon")},
	}}
	signingKeys = mapping{"How pushed images are signed and checked.", []key{
		{"key", false, scalar("cosign private key file")},
		{"passwordEnv", false, scalar("variable holding the key's password")},
		{"publicKey", false, scalar("cosign public key file")},
	}}
	cleanupKeys = mapping{"What x-platform cleanup keeps.", []key{
		{"releasesPerEnvironment", false, whole("releases kept per environment")},
		{"lockCommits", false, whole("commits of x-platform.lock history kept")},
		{"branchDays", false, whole("days a branch's images are kept")},
		{"imagesPerBranch", false, whole("images kept per branch")},
		{"recentHours", false, whole("hours any new image is kept")},
		{"keep", false, list("image references or tag patterns always kept")},
	}}
	ignoreKeys = mapping{"An advisory accepted until a day.", []key{
		{"id", true, scalar("advisory ID or alias: GHSA-…, CVE-…, GO-…")},
		{"reason", true, scalar("why it is accepted")},
		{"expires", true, scalar("last day the entry holds, YYYY-MM-DD; from the next it counts again")},
		{"services", false, list("services it is accepted for; all when omitted")},
	}}
	vulnerabilityKeys = mapping{"The vulnerability policy: advisories from an offline OSV database, checked by scan, build and deploy.", []key{
		{"database", false, scalar("folder or zip of OSV advisories (the OSV exports' <ecosystem>/all.zip); XP_VULN_DB overrides it")},
		{"failOn", false, node{"enum": FailOnNames, "description": "lowest severity that stops a build or deploy; none (the default) only reports"}},
		{"ignore", false, node{"type": []string{"array", "null"}, "items": ignoreKeys.schema(), "description": "advisories accepted, each with a reason and an expiry"}},
	}}
	gitDefaultKeys = mapping{"Defaults of every service's git.", []key{
		{"depth", false, whole("commits of history a checkout fetches; 0 for all of it")},
		{"checkout", false, flag("false: the checkout holds only .git at the commit, no files of the tree")},
	}}
	topKeys = mapping{"x-platform.yml: the services of a product, how they are built, and where they are deployed.", []key{
		{"registry", false, scalar("host[:port][/path] images are pushed below")},
		{"services", true, node{
			"type": "object", "minProperties": 1,
			"propertyNames":        node{"pattern": `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`, "maxLength": 63},
			"additionalProperties": serviceKeys.schema(),
		}},
		{"environments", false, node{
			"type":                 []string{"object", "null"},
			"additionalProperties": node{"anyOf": []node{environmentKeys.schema(), {"type": "null"}}},
		}},
		{"insecureRegistries", false, list("registries reached over plain HTTP or unverified TLS")},
		{"builders", false, node{"type": "array", "items": node{"anyOf": []node{scalar("BuildKit address"), endpointKeys.schema()}}}},
		{"signing", false, signingKeys.schema()},
		{"cleanup", false, cleanupKeys.schema()},
		{"vulnerabilities", false, vulnerabilityKeys.schema()},
		{"git", false, gitDefaultKeys.schema()},
		{"pull", false, flag("bring a found image into the local engine")},
		{"version", false, node{"enum": []int{Version}, "description": "manifest format; 1 when omitted"}},
	}}
)

// SchemaID is where the published schema is found.
const SchemaID = "https://raw.githubusercontent.com/x-platform/x-platform/main/docs/x-platform.schema.json"

// Schema is the JSON Schema of x-platform.yml. It checks the file's shape
// (keys and types); the decoder checks the rest, such as names and paths.
func Schema() map[string]any {
	s := topKeys.schema()
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = SchemaID
	s["title"] = "x-platform.yml"
	return s
}

// SchemaJSON is Schema as written to docs/x-platform.schema.json.
func SchemaJSON() ([]byte, error) {
	b, err := json.MarshalIndent(Schema(), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the manifest's schema: %w", err)
	}
	return append(b, '\n'), nil
}
