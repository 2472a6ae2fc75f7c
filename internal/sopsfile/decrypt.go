package sopsfile

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/config"
	sopsyaml "github.com/getsops/sops/v3/stores/yaml"
)

// ErrMAC says that a file's values do not match its MAC: it was changed
// after it was encrypted, or it is corrupt.
var ErrMAC = errors.New("its values do not match its MAC: the file was changed after it was encrypted (encrypt it again, or restore it from git)")

// Error is a SOPS file that could not be decrypted or encrypted. It is a
// usage error: the file or the keys must change, not the run.
type Error struct {
	Op   string // "decrypting" when empty
	File string
	Err  error
}

func (e *Error) Error() string {
	op := e.Op
	if op == "" {
		op = "decrypting"
	}
	return fmt.Sprintf("%s %s: %v", op, e.File, e.Err)
}

func (e *Error) Unwrap() error  { return e.Err }
func (*Error) UsageError() bool { return true }

// NoKeyError says that no age key at hand opens a file.
type NoKeyError struct {
	Recipients []string // the age recipients the file is encrypted for
	Looked     []string // where keys were looked for
	Found      bool     // some key was found, for another recipient
}

func (e *NoKeyError) Error() string {
	found := "no age key was found"
	if e.Found {
		found = "none of the age keys found is one of them"
	}
	return fmt.Sprintf("it is encrypted for the age recipient(s) %s and %s (looked in %s); set %s to the key file of one of them, or %s to the key",
		strings.Join(e.Recipients, ", "), found, strings.Join(e.Looked, ", "), KeyFileEnv, KeyEnv)
}

// sopsBlock finds the metadata block sops appends to a YAML document.
var sopsBlock = regexp.MustCompile(`(?m)^sops:\s*$`)

// IsEncrypted says whether data looks like a SOPS-encrypted YAML file: a
// top-level "sops" mapping. It is a cheap test that may say yes to a plain
// file with such a key, which Decrypt then refuses.
func IsEncrypted(data []byte) bool {
	return sopsBlock.Match(data) && bytes.Contains(data, []byte("mac:"))
}

// Plain is a decrypted file.
type Plain struct {
	YAML []byte
	// Values are the decrypted values, so that they can be kept out of
	// what is printed or stored.
	Values []string
}

// Decrypt decrypts the SOPS YAML file data, read from file, with keys,
// and checks its MAC. Nothing is written anywhere.
func Decrypt(file string, data []byte, keys *Keys) (*Plain, error) {
	store := sopsyaml.NewStore(&config.YAMLStoreConfig{Indent: 2})
	tree, err := store.LoadEncryptedFile(data)
	if err != nil {
		return nil, &Error{File: file, Err: fmt.Errorf("reading its sops metadata: %w", err)}
	}
	key, err := dataKey(tree.Metadata, keys)
	if err != nil {
		return nil, &Error{File: file, Err: err}
	}
	before := leaves(tree.Branches)
	cipher := aes.NewCipher()
	mac, err := tree.Decrypt(key, cipher)
	if err != nil {
		return nil, &Error{File: file, Err: fmt.Errorf("%w: %v", ErrMAC, err)}
	}
	want, err := cipher.Decrypt(tree.Metadata.MessageAuthenticationCode, key, tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil || want != mac {
		return nil, &Error{File: file, Err: ErrMAC}
	}
	out, err := store.EmitPlainFile(tree.Branches)
	if err != nil {
		return nil, &Error{File: file, Err: fmt.Errorf("encoding it: %w", err)}
	}
	p := &Plain{YAML: out}
	for i, v := range leaves(tree.Branches) {
		if i < len(before) && v != before[i] && v != "" {
			p.Values = append(p.Values, v)
		}
	}
	return p, nil
}

// dataKey opens the file's data key with one of keys. Only age keys in a
// single key group are read: the other key sources need services x-platform
// does not call.
func dataKey(md sops.Metadata, keys *Keys) ([]byte, error) {
	if len(md.KeyGroups) != 1 {
		return nil, fmt.Errorf("it has %d key groups; only files with one group of age keys are read", len(md.KeyGroups))
	}
	var recipients []string
	for _, mk := range md.KeyGroups[0] {
		if k, ok := mk.(*sopsage.MasterKey); ok {
			recipients = append(recipients, k.Recipient)
		}
	}
	if len(recipients) == 0 {
		return nil, errors.New("it has no age recipient; only age keys are read")
	}
	noKey := &NoKeyError{Recipients: recipients, Looked: keys.Looked, Found: !keys.Empty()}
	if keys.Empty() {
		return nil, noKey
	}
	for _, mk := range md.KeyGroups[0] {
		k, ok := mk.(*sopsage.MasterKey)
		if !ok {
			continue
		}
		sopsage.ParsedIdentities(keys.ids).ApplyToMasterKey(k)
		if key, err := k.Decrypt(); err == nil {
			return key, nil
		}
	}
	return nil, noKey
}

// leaves lists the scalar values of a tree in document order.
func leaves(branches sops.TreeBranches) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case sops.TreeBranch:
			for _, item := range v {
				walk(item.Value)
			}
		case []any:
			for _, item := range v {
				walk(item)
			}
		case nil:
			out = append(out, "")
		default:
			out = append(out, fmt.Sprint(v))
		}
	}
	for _, b := range branches {
		walk(b)
	}
	return out
}
