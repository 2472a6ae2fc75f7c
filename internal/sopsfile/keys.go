package sopsfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"filippo.io/age"
)

// The places SOPS reads age keys from, and the default key file below the
// user's configuration folder.
const (
	KeyEnv      = "SOPS_AGE_KEY"
	KeyFileEnv  = "SOPS_AGE_KEY_FILE"
	defaultFile = "sops/age/keys.txt"
)

// Keys are the age identities found in the usual SOPS places.
type Keys struct {
	ids []age.Identity
	// Looked names every place that was read or would have been, for
	// an error that says where a key was expected.
	Looked []string
}

// Getenv looks up an environment variable, as os.LookupEnv does.
type Getenv func(string) (string, bool)

// LoadKeys reads age identities from SOPS_AGE_KEY (keys separated by new
// lines or commas), the file SOPS_AGE_KEY_FILE names and the default key
// file ($XDG_CONFIG_HOME/sops/age/keys.txt; on macOS without XDG_CONFIG_HOME,
// ~/Library/Application Support/sops/age/keys.txt), as sops does. Unlike
// sops it reads no ssh key: a deploy must not depend on ~/.ssh. A place that
// is not set or does not exist is no error; a key that does not parse is.
func LoadKeys(getenv Getenv) (*Keys, error) {
	k := &Keys{}
	k.Looked = append(k.Looked, KeyEnv)
	if v, ok := getenv(KeyEnv); ok && strings.TrimSpace(v) != "" {
		if err := k.parse(KeyEnv, strings.ReplaceAll(v, ",", "\n")); err != nil {
			return nil, err
		}
	}
	k.Looked = append(k.Looked, KeyFileEnv)
	if path, ok := getenv(KeyFileEnv); ok && path != "" {
		if err := k.readFile(path, KeyFileEnv+"="+path); err != nil {
			return nil, err
		}
	}
	if dir := configDir(getenv); dir != "" {
		path := filepath.Join(dir, filepath.FromSlash(defaultFile))
		k.Looked = append(k.Looked, path)
		if err := k.readFile(path, path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return k, nil
}

// Empty says whether no identity was found.
func (k *Keys) Empty() bool { return len(k.ids) == 0 }

func (k *Keys) readFile(path, where string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading the age keys of %s: %w", where, err)
	}
	return k.parse(where, string(data))
}

func (k *Keys) parse(where, text string) error {
	ids, err := age.ParseIdentities(bytes.NewReader([]byte(text)))
	if err != nil {
		// age's message quotes no key material, only line numbers.
		return fmt.Errorf("reading the age keys of %s: %w", where, err)
	}
	k.ids = append(k.ids, ids...)
	return nil
}

func configDir(getenv Getenv) string {
	if x, ok := getenv("XDG_CONFIG_HOME"); ok && x != "" {
		return x
	}
	home, ok := getenv("HOME")
	if !ok || home == "" {
		return ""
	}
	if runtime.GOOS == "darwin" {
		return filepath.Join(home, "Library", "Application Support")
	}
	return filepath.Join(home, ".config")
}
