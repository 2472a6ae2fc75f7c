package gitsync

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// A journal is written into the git folder before a checkout touches the
// worktree and removed once HEAD, the index and the sync state agree with
// it. A run that finds one knows the files it lists are a checkout's own
// writes, not local work, and finishes that checkout before anything else.
type journal struct {
	id      string        // names this checkout's temporary files
	target  plumbing.Hash // the commit being checked out
	writes  []journalFile
	removes []journalFile
}

// journalFile is one path a checkout writes or removes. A file whose
// content is neither old nor new was changed by someone else since.
type journalFile struct {
	name string
	old  plumbing.Hash // content before the checkout; zero when there was none
	new  plumbing.Hash // content after it; zero for a removal
	mode filemode.FileMode
}

const (
	journalName   = "x-platform-checkout"
	journalHeader = "x-platform checkout journal v1"
)

func newJournalID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// tempName is where the n-th write of checkout id is made before it is
// renamed into place: unique per run, and known to the run that finishes
// an interrupted checkout, which removes what is left of it.
func (j *journal) tempName(dir string, n int) string {
	p := filepath.Join(dir, filepath.FromSlash(j.writes[n].name))
	return filepath.Join(filepath.Dir(p), fmt.Sprintf(".x-platform-%s-%d.tmp", j.id, n))
}

func (j *journal) encode() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nid %s\ntarget %s\n", journalHeader, j.id, j.target)
	for _, f := range j.writes {
		fmt.Fprintf(&b, "write %s %s %o %s\n", f.old, f.new, uint32(f.mode), strconv.Quote(f.name))
	}
	for _, f := range j.removes {
		fmt.Fprintf(&b, "remove %s %s %o %s\n", f.old, f.new, uint32(f.mode), strconv.Quote(f.name))
	}
	b.WriteString("end\n")
	return b.Bytes()
}

// decodeJournal reads what encode wrote. A journal cut short was never
// renamed into place, so anything but a whole one is refused.
func decodeJournal(data []byte) (*journal, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	j := &journal{}
	line, ended := 0, false
	for sc.Scan() {
		line++
		text := sc.Text()
		if ended {
			return nil, fmt.Errorf("line %d: after the end", line)
		}
		if line == 1 {
			if text != journalHeader {
				return nil, errors.New("not a checkout journal")
			}
			continue
		}
		key, rest, _ := strings.Cut(text, " ")
		switch key {
		case "id":
			j.id = rest
		case "target":
			j.target = plumbing.NewHash(rest)
		case "write", "remove":
			f, err := decodeJournalFile(rest)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			if key == "write" {
				j.writes = append(j.writes, f)
			} else {
				j.removes = append(j.removes, f)
			}
		case "end":
			ended = true
		default:
			return nil, fmt.Errorf("line %d: unknown %q", line, key)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !ended || j.target.IsZero() || j.id == "" || strings.ContainsAny(j.id, "/\\") {
		return nil, errors.New("an incomplete checkout journal")
	}
	return j, nil
}

func decodeJournalFile(s string) (journalFile, error) {
	parts := strings.SplitN(s, " ", 4)
	if len(parts) != 4 {
		return journalFile{}, errors.New("too few fields")
	}
	mode, err := strconv.ParseUint(parts[2], 8, 32)
	if err != nil {
		return journalFile{}, err
	}
	name, err := strconv.Unquote(parts[3])
	if err != nil || name == "" {
		return journalFile{}, fmt.Errorf("bad path %s", parts[3])
	}
	return journalFile{name: name, old: plumbing.NewHash(parts[0]), new: plumbing.NewHash(parts[1]), mode: filemode.FileMode(mode)}, nil
}

// write puts the journal in place whole and durably before the worktree
// is touched: a temporary file, synced, renamed, and the folder synced.
func (j *journal) write(gitDir string) error {
	return writeDurably(gitDir, journalName, j.encode())
}

func readJournal(gitDir string) (*journal, error) {
	data, err := os.ReadFile(filepath.Join(gitDir, journalName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	j, err := decodeJournal(data)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w; remove it and sync again: what differs from HEAD is then reported as local work", filepath.Join(gitDir, journalName), err)
	}
	return j, nil
}

func removeJournal(gitDir string) error {
	if err := os.Remove(filepath.Join(gitDir, journalName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
