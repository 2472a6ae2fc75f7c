package sign

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/in-toto/in-toto-golang/in_toto"
	slsacommon "github.com/in-toto/in-toto-golang/in_toto/slsa_provenance/common"
	slsa1 "github.com/in-toto/in-toto-golang/in_toto/slsa_provenance/v1"
)

// Provenance is what an image was made from, as the pipeline knows it.
type Provenance struct {
	// Service is the manifest's name for it.
	Service string
	// Repo is the service's git remote, without credentials.
	Repo string
	// Path is the folder of Repo the service is in; "" for the whole.
	Path string
	// Reference is the branch, tag or commit the manifest pins.
	Reference string
	// Commit is the commit the image was built from.
	Commit string
	// Preview is the branch of the preview the image was built for; ""
	// for every other build. Environments other than previews refuse an
	// image whose only provenance is a preview's.
	Preview string
	// Builder is the builder image as the manifest names it, and
	// BuilderDigest its image ID ("sha256:…"), which the cache key covers.
	Builder, BuilderDigest string
	// Key is the cache key and KeyParts its parts, as the image's labels
	// carry them.
	Key      string
	KeyParts map[string]string
}

const (
	// BuildType is the SLSA build type of x-platform's builds.
	BuildType = "https://github.com/x-platform/x-platform/build/v1"
	// BuilderID names the tool as the builder.
	BuilderID = "https://github.com/x-platform/x-platform"
)

// Statement is the in-toto statement with the SLSA v1 provenance of the
// image repo@digest, made by the given version of the tool.
func Statement(repo, digest string, p Provenance, version string) (in_toto.ProvenanceStatementSLSA1, error) {
	algo, hex, ok := strings.Cut(digest, ":")
	if !ok || hex == "" {
		return in_toto.ProvenanceStatementSLSA1{}, fmt.Errorf("image digest %q is not algorithm:hex", digest)
	}
	return in_toto.ProvenanceStatementSLSA1{
		StatementHeader: in_toto.StatementHeader{
			Type:          in_toto.StatementInTotoV01,
			PredicateType: slsa1.PredicateSLSAProvenance,
			Subject:       []in_toto.Subject{{Name: repo, Digest: slsacommon.DigestSet{algo: hex}}},
		},
		Predicate: predicate(p, version),
	}, nil
}

func predicate(p Provenance, version string) slsa1.ProvenancePredicate {
	var deps []slsa1.ResourceDescriptor
	if p.Commit != "" {
		deps = append(deps, slsa1.ResourceDescriptor{URI: gitURI(p.Repo, p.Reference), Digest: slsacommon.DigestSet{"gitCommit": p.Commit}})
	}
	if p.BuilderDigest != "" {
		algo, hex, _ := strings.Cut(p.BuilderDigest, ":")
		deps = append(deps, slsa1.ResourceDescriptor{
			Name: "builder", URI: "docker-image://" + p.Builder, Digest: slsacommon.DigestSet{algo: hex},
			Annotations: map[string]interface{}{"digestOf": "image config (image ID)"},
		})
	}
	// A builder image is made from a folder of the platform repository,
	// not from a service's commit: it has no repository or reference.
	external := map[string]string{"service": p.Service}
	for k, v := range map[string]string{"repository": p.Repo, "reference": p.Reference, "path": p.Path, "preview": p.Preview} {
		if v != "" {
			external[k] = v
		}
	}
	return slsa1.ProvenancePredicate{
		BuildDefinition: slsa1.ProvenanceBuildDefinition{
			BuildType:          BuildType,
			ExternalParameters: external,
			InternalParameters: map[string]interface{}{
				"builderImage":  p.Builder,
				"cacheKey":      p.Key,
				"cacheKeyParts": p.KeyParts,
			},
			ResolvedDependencies: deps,
		},
		RunDetails: slsa1.ProvenanceRunDetails{
			Builder: slsa1.Builder{ID: BuilderID, Version: map[string]string{"x-platform": version}},
		},
	}
}

// gitURI is the SPDX-style download location of a commit's source.
func gitURI(repo, ref string) string {
	uri := repo
	if !strings.HasPrefix(uri, "git+") {
		uri = "git+" + uri
	}
	if ref != "" {
		uri += "@" + ref
	}
	return uri
}

// marshalStatement is the statement as signed.
func marshalStatement(s in_toto.ProvenanceStatementSLSA1) ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encoding the provenance: %w", err)
	}
	return b, nil
}
