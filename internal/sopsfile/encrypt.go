package sopsfile

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/config"
	sopsyaml "github.com/getsops/sops/v3/stores/yaml"
)

// EncryptedRegex is the keys whose values are encrypted: a Secret's data
// and stringData, so that the rest of the manifest stays readable in diffs.
const EncryptedRegex = "^(data|stringData)$"

// sopsVersion is the sops release whose format the files are written in.
const sopsVersion = "3.13.3"

// Encrypt encrypts the values of data and stringData in the plain YAML
// file data, read from file, for the age recipients, as `sops --encrypt
// --age … --encrypted-regex '^(data|stringData)$'` does.
func Encrypt(file string, data []byte, recipients []string) ([]byte, error) {
	if len(recipients) == 0 {
		return nil, &Error{Op: "encrypting", File: file, Err: errors.New("no age recipient to encrypt for")}
	}
	store := sopsyaml.NewStore(&config.YAMLStoreConfig{Indent: 2})
	branches, err := store.LoadPlainFile(data)
	if err != nil {
		return nil, &Error{Op: "encrypting", File: file, Err: fmt.Errorf("reading it: %w", err)}
	}
	if len(branches) > 0 && store.HasSopsTopLevelKey(branches[0]) {
		return nil, &Error{Op: "encrypting", File: file, Err: errors.New("it is already encrypted")}
	}
	var group sops.KeyGroup
	for _, r := range recipients {
		k, err := sopsage.MasterKeyFromRecipient(r)
		if err != nil {
			return nil, &Error{Op: "encrypting", File: file, Err: fmt.Errorf("reading the age recipient %q: %w", r, err)}
		}
		group = append(group, k)
	}
	tree := sops.Tree{Branches: branches, Metadata: sops.Metadata{
		KeyGroups:      []sops.KeyGroup{group},
		EncryptedRegex: EncryptedRegex,
		Version:        sopsVersion,
	}}
	key := make([]byte, 32)
	if err := readRandom(key); err != nil {
		return nil, &Error{Op: "encrypting", File: file, Err: err}
	}
	for _, k := range group {
		if err := k.Encrypt(key); err != nil {
			return nil, &Error{Op: "encrypting", File: file, Err: fmt.Errorf("encrypting the data key for %s: %w", k.ToString(), err)}
		}
	}
	return seal(file, store, tree, key)
}

// Reencrypt replaces the values of the encrypted file old with those of
// the plain YAML plain, keeping its keys, recipients and rules, as `sops
// edit` does when the editor is closed.
func Reencrypt(file string, old, plain []byte, ks *Keys) ([]byte, error) {
	store := sopsyaml.NewStore(&config.YAMLStoreConfig{Indent: 2})
	tree, err := store.LoadEncryptedFile(old)
	if err != nil {
		return nil, &Error{Op: "encrypting", File: file, Err: fmt.Errorf("reading its sops metadata: %w", err)}
	}
	key, err := dataKey(tree.Metadata, ks)
	if err != nil {
		return nil, &Error{Op: "encrypting", File: file, Err: err}
	}
	branches, err := store.LoadPlainFile(plain)
	if err != nil {
		return nil, &Error{Op: "encrypting", File: file, Err: fmt.Errorf("reading the edited file: %w", err)}
	}
	if len(branches) > 0 && store.HasSopsTopLevelKey(branches[0]) {
		return nil, &Error{Op: "encrypting", File: file, Err: errors.New("the edited file has a sops key of its own")}
	}
	tree.Branches = branches
	return seal(file, store, tree, key)
}

// seal encrypts tree's values with key and sets its MAC, as sops does.
func seal(file string, store *sopsyaml.Store, tree sops.Tree, key []byte) ([]byte, error) {
	tree.Metadata.LastModified = time.Now().UTC()
	tree.Metadata.DataKey = nil
	cipher := aes.NewCipher()
	mac, err := tree.Encrypt(key, cipher)
	if err != nil {
		return nil, &Error{Op: "encrypting", File: file, Err: fmt.Errorf("encrypting its values: %w", err)}
	}
	if tree.Metadata.MessageAuthenticationCode, err = cipher.Encrypt(mac, key, tree.Metadata.LastModified.Format(time.RFC3339)); err != nil {
		return nil, &Error{Op: "encrypting", File: file, Err: fmt.Errorf("encrypting its MAC: %w", err)}
	}
	out, err := store.EmitEncryptedFile(tree)
	if err != nil {
		return nil, &Error{Op: "encrypting", File: file, Err: fmt.Errorf("encoding it: %w", err)}
	}
	return out, nil
}

func readRandom(b []byte) error {
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("making a data key: %w", err)
	}
	return nil
}
