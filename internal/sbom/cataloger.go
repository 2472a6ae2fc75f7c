package sbom

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// SPDXMaker makes images' SBOMs as SPDX 2.3 JSON documents.
type SPDXMaker struct {
	// Tool is the creator the documents name ("x-platform-v1.2.3").
	Tool string
	// Now is the documents' creation time; nil for the clock.
	Now func() time.Time
}

// PredicateType is the in-toto predicate type of SPDX documents.
func (SPDXMaker) PredicateType() string { return PredicateType }

// SBOM lists img, the image repo@digest, as an SPDX 2.3 JSON document.
func (m SPDXMaker) SBOM(ctx context.Context, img v1.Image, repo, digest string) (json.RawMessage, error) {
	inv, err := Scan(ctx, img)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	b, err := json.Marshal(SPDX(repo, digest, inv, now(), m.Tool))
	if err != nil {
		return nil, fmt.Errorf("encoding the SPDX document: %w", err)
	}
	return b, nil
}
