package report

import (
	"bytes"
	"testing"
)

func TestVerifyReportMatchesGolden(t *testing.T) {
	t.Parallel()
	r := VerifyReport{Command: "verify", OK: false, Services: []VerifyService{
		{Name: "zbackend", Image: "registry.example.com/x/zbackend", Digest: "sha256:aaaa", Signature: "ok", Attestation: "ok"},
		{Name: "zfront", Image: "registry.example.com/x/zfront", Digest: "sha256:bbbb", Signature: "ok", Attestation: "mismatch", Error: "provenance names service zother, not zfront"},
		{Name: "zworker", Image: "registry.example.com/x/zworker", Digest: "sha256:cccc", Signature: "missing", Attestation: "invalid", Error: "no signature by the key"},
		{Name: "zcron", Image: "registry.example.com/x/zcron", Digest: "sha256:dddd", Error: "reading registry.example.com/x/zcron: unauthorized"},
	}, DurationMs: 987}
	sameDocument(t, "verify", r, func(b *bytes.Buffer) error { return WriteVerifyTable(b, r) })
}
