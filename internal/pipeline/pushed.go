package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"

	"github.com/x-platform/x-platform/internal/atomicfile"
	"github.com/x-platform/x-platform/internal/manifest"
)

// A finished run leaves a record per service of the tags it completed in
// the registry and the digest they name. A no-op rerun that finds the same
// image present and the same record trusts it instead of asking the
// registry about every tag of every service; a run cut short before its
// tags were all written leaves no record, so the next one checks and
// completes them. Removing .x-platform/pushed makes the next run check
// everything again (a registry that lost images behind our back).

// pushedKey names a set of tags and the digest they point at.
func pushedKey(digest string, refs []string) string {
	h := sha256.Sum256([]byte(digest + "\n" + strings.Join(refs, "\n")))
	return hex.EncodeToString(h[:])
}

// tagRecords is the folder of the records, one file per service; "" keeps
// none.
type tagRecords string

// recordsOf is where runs over m keep their records of finished tags.
func recordsOf(m *manifest.Manifest) tagRecords {
	if m == nil || m.Root == "" {
		return ""
	}
	return tagRecords(filepath.Join(m.Root, ".x-platform", "pushed"))
}

func (t tagRecords) path(service string) string {
	if t == "" {
		return ""
	}
	return filepath.Join(string(t), service)
}

// done reports whether a finished run recorded exactly these tags at
// digest for the service.
func (t tagRecords) done(service, digest string, refs []string) bool {
	path := t.path(service)
	if path == "" || digest == "" {
		return false
	}
	b, err := os.ReadFile(path)
	return err == nil && strings.TrimSpace(string(b)) == pushedKey(digest, refs)
}

// mark records that the registry holds refs at digest. The record is only
// an optimisation: failing to write it costs the next run a few look-ups,
// so the error is not the run's.
func (t tagRecords) mark(service, digest string, refs []string) {
	path := t.path(service)
	if path == "" || digest == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return
	}
	_ = atomicfile.Write(path, []byte(pushedKey(digest, refs)+"\n"), 0o600)
}

// forget drops a service's record before its tags change.
func (t tagRecords) forget(service string) {
	if path := t.path(service); path != "" {
		// A record left behind names another digest than the new image's.
		_ = os.Remove(path)
	}
}
