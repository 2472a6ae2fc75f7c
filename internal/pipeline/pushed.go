package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/x-platform/x-platform/internal/atomicfile"
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

func (p *Pipeline) pushedPath(service string) string {
	if p.Manifest == nil || p.Manifest.Root == "" {
		return ""
	}
	return filepath.Join(p.Manifest.Root, ".x-platform", "pushed", service)
}

// tagsDone reports whether a finished run recorded exactly these tags at
// digest for the service.
func (p *Pipeline) tagsDone(service, digest string, refs []string) bool {
	path := p.pushedPath(service)
	if path == "" || digest == "" {
		return false
	}
	b, err := os.ReadFile(path)
	return err == nil && strings.TrimSpace(string(b)) == pushedKey(digest, refs)
}

// markTagsDone records that the registry holds refs at digest. The record
// is only an optimisation: failing to write it costs the next run a few
// look-ups, so the error is not the run's.
func (p *Pipeline) markTagsDone(service, digest string, refs []string) {
	path := p.pushedPath(service)
	if path == "" || digest == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return
	}
	_ = atomicfile.Write(path, []byte(pushedKey(digest, refs)+"\n"), 0o600)
}

// forgetTags drops a service's record before its tags change.
func (p *Pipeline) forgetTags(service string) {
	if path := p.pushedPath(service); path != "" {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return
		}
	}
}
