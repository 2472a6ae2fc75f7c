package sign

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	slsa1 "github.com/in-toto/in-toto-golang/in_toto/slsa_provenance/v1"
)

// Claims is what one provenance statement says of the image it was
// verified for.
type Claims struct {
	// Subjects are the statement's subjects: repository name → digest
	// ("sha256:…").
	Subjects map[string]string
	// Service, Reference and Preview are the external parameters: the
	// manifest's service, the reference it was built at, and the branch of
	// the preview it was built for ("" for any other build).
	Service, Reference, Preview string
	// Commit is the gitCommit of the source; "" for images not built from
	// a commit (builder images, working folders).
	Commit string
}

// Expected is what a release says an image is: a signature is only worth
// something for the image it was made for, so the provenance must name
// the same repository, digest, service and commit.
type Expected struct {
	Service string
	Commit  string
	// Previews accepts builds made for a preview: a preview environment
	// takes them, a named environment does not.
	Previews bool
}

// mismatch says, for the image repo@digest, how c differs from w; "" when
// it does not.
func (w Expected) mismatch(repo, digest string, c Claims) string {
	got, ok := c.Subjects[repo]
	sameRepo := ok && got == digest
	if sameRepo && c.Service == w.Service && c.Commit == w.Commit {
		if c.Preview == "" || w.Previews {
			return ""
		}
		return fmt.Sprintf("image %s@%s was signed as %s, which only previews take", repo, digest, c.describe(true))
	}
	want := "service " + w.Service
	if !sameRepo {
		want += " of " + repo
	}
	if w.Commit != "" {
		want += " at commit " + w.Commit
	}
	return fmt.Sprintf("image %s@%s was signed as %s, not %s", repo, digest, c.describe(sameRepo), want)
}

// describe is c in words; the subjects are named unless they are the
// image's own.
func (c Claims) describe(sameRepo bool) string {
	s := "service " + c.Service
	if c.Service == "" {
		s = "no service"
	}
	if !sameRepo {
		var names []string
		for n := range c.Subjects {
			names = append(names, n)
		}
		if len(names) == 0 {
			names = []string{"no subject"}
		}
		s += " of " + strings.Join(names, ", ")
	}
	switch {
	case c.Commit != "":
		s += " at commit " + c.Commit
	case c.Reference != "":
		s += " from " + c.Reference + " (no commit)"
	default:
		s += " from no commit"
	}
	if c.Preview != "" {
		s += " for the preview of branch " + c.Preview
	}
	return s
}

// closest is the claims of all that differ least from w, to explain a
// refusal with: the same service if there is one.
func (w Expected) closest(all []Claims) Claims {
	for _, c := range all {
		if c.Service == w.Service {
			return c
		}
	}
	return all[0]
}

// statement is the part of an in-toto SLSA v1 statement Claims are read
// from.
type statement struct {
	PredicateType string `json:"predicateType"`
	Subject       []struct {
		Name   string            `json:"name"`
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
	Predicate struct {
		BuildDefinition struct {
			ExternalParameters   map[string]any `json:"externalParameters"`
			ResolvedDependencies []struct {
				Digest map[string]string `json:"digest"`
			} `json:"resolvedDependencies"`
		} `json:"buildDefinition"`
	} `json:"predicate"`
}

// statementOf is the in-toto statement a DSSE envelope carries; ok is
// false for what cannot be read.
func statementOf(envelope []byte) ([]byte, bool) {
	var env struct {
		Payload string `json:"payload"`
	}
	if json.Unmarshal(envelope, &env) != nil {
		return nil, false
	}
	body, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return nil, false
	}
	return body, true
}

// parseStatement reads the claims of an SLSA v1 provenance statement; ok
// is false for another predicate type or what cannot be read.
func parseStatement(body []byte) (Claims, bool) {
	var st statement
	if json.Unmarshal(body, &st) != nil || st.PredicateType != slsa1.PredicateSLSAProvenance {
		return Claims{}, false
	}
	c := Claims{Subjects: map[string]string{}}
	for _, s := range st.Subject {
		for algo, hex := range s.Digest {
			c.Subjects[s.Name] = algo + ":" + hex
		}
	}
	ext := st.Predicate.BuildDefinition.ExternalParameters
	str := func(k string) string { v, _ := ext[k].(string); return v }
	c.Service, c.Reference, c.Preview = str("service"), str("reference"), str("preview")
	for _, d := range st.Predicate.BuildDefinition.ResolvedDependencies {
		if commit := d.Digest["gitCommit"]; commit != "" {
			c.Commit = commit
			break
		}
	}
	return c, true
}
