package render

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/x-platform/x-platform/internal/deploy/yamldiff"
	"github.com/x-platform/x-platform/internal/sopsfile"
)

// SOPSAnnotation marks, in a release record, a Secret whose values came
// from a SOPS file and were masked rather than stored.
const SOPSAnnotation = "x-platform.io/sops"

// decrypting is the in-memory tree as kustomize reads it: a YAML file with
// a sops metadata block is decrypted on read, in memory, with the age keys
// of the usual SOPS places, loaded at the first such file. Only the files
// the overlay uses are decrypted, so another environment's secrets need
// no key here.
type decrypting struct {
	filesys.FileSystem
	keys   *sopsfile.Keys
	values []string // every decrypted value
	err    error    // the first file that could not be decrypted
}

var _ filesys.FileSystem = (*decrypting)(nil)

// ReadFile reads path, decrypted when it is a SOPS file. kustomize reads
// one file at a time, so no lock is taken.
func (d *decrypting) ReadFile(path string) ([]byte, error) {
	data, err := d.FileSystem.ReadFile(path)
	if err != nil || !isYAML(path) || !sopsfile.IsEncrypted(data) {
		return data, err
	}
	if d.keys == nil {
		if d.keys, err = sopsfile.LoadKeys(os.LookupEnv); err != nil {
			return nil, d.fail(&sopsfile.Error{File: path, Err: err})
		}
	}
	p, err := sopsfile.Decrypt(path, data, d.keys)
	if err != nil {
		return nil, d.fail(err)
	}
	d.values = append(d.values, p.Values...)
	return p.YAML, nil
}

func (d *decrypting) fail(err error) error {
	if d.err == nil {
		d.err = err
	}
	return err
}

func isYAML(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".yaml" || ext == ".yml"
}

// fromSOPS says whether the Secret u holds a value decrypted from a SOPS
// file, as it is or base64-encoded.
func (d *decrypting) fromSOPS(u *unstructured.Unstructured) bool {
	if len(d.values) == 0 || u.GetKind() != "Secret" || u.GetAPIVersion() != "v1" {
		return false
	}
	for _, field := range []string{"data", "stringData"} {
		m, _ := u.Object[field].(map[string]any)
		for _, v := range m {
			s, _ := v.(string)
			if s == "" {
				continue
			}
			if slices.Contains(d.values, s) {
				return true
			}
			if dec, err := base64.StdEncoding.DecodeString(s); err == nil && slices.Contains(d.values, string(dec)) {
				return true
			}
		}
	}
	return false
}

// writeMasked writes the object u, whose YAML is out, to the printable
// and the storable stream: a Secret masked to the first, and to the second
// when its values came from a SOPS file.
func writeMasked(masked, record *bytes.Buffer, u *unstructured.Unstructured, out []byte, fromSOPS bool) error {
	m := yamldiff.MaskSecret(u)
	if m == u {
		masked.Write(out)
		record.Write(out)
		return nil
	}
	data, err := yaml.Marshal(m.Object)
	if err != nil {
		return err
	}
	masked.Write(data)
	if !fromSOPS {
		record.Write(out)
		return nil
	}
	ann := m.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[SOPSAnnotation] = "masked"
	m.SetAnnotations(ann)
	if data, err = yaml.Marshal(m.Object); err != nil {
		return err
	}
	record.Write(data)
	return nil
}

// Encode writes YAML, Masked and Record again from Objects, after a caller
// changed them (a preview moves them into its namespace).
func (r *Result) Encode() error {
	var buf, masked, record bytes.Buffer
	for i, u := range r.Objects {
		out, err := yaml.Marshal(u.Object)
		if err != nil {
			return fmt.Errorf("encoding %s/%s: %w", u.GetKind(), u.GetName(), err)
		}
		if i > 0 {
			buf.WriteString("---\n")
			masked.WriteString("---\n")
			record.WriteString("---\n")
		}
		buf.Write(out)
		if err := writeMasked(&masked, &record, u, out, i < len(r.FromSOPS) && r.FromSOPS[i]); err != nil {
			return fmt.Errorf("encoding %s/%s: %w", u.GetKind(), u.GetName(), err)
		}
	}
	r.YAML, r.Masked, r.Record = buf.Bytes(), masked.Bytes(), record.Bytes()
	return nil
}
