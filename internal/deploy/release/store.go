package release

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Secrets is the part of client-go's SecretInterface a Store uses.
type Secrets interface {
	Create(ctx context.Context, s *corev1.Secret, opts metav1.CreateOptions) (*corev1.Secret, error)
	Update(ctx context.Context, s *corev1.Secret, opts metav1.UpdateOptions) (*corev1.Secret, error)
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*corev1.Secret, error)
	List(ctx context.Context, opts metav1.ListOptions) (*corev1.SecretList, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// Store reads and writes the records of one environment in one namespace.
type Store struct {
	Secrets Secrets
	Env     string
}

// ErrNoRelease is returned when an environment has no matching release.
var ErrNoRelease = errors.New("no release")

// SecretName is the name of the record of env's revision.
func SecretName(env string, revision int) string {
	return fmt.Sprintf("x-platform.release.%s.v%d", env, revision)
}

// List returns every record of the environment, oldest first.
func (s *Store) List(ctx context.Context) ([]*Record, error) {
	list, err := s.Secrets.List(ctx, metav1.ListOptions{LabelSelector: OwnerLabel + "=x-platform," + EnvLabel + "=" + s.Env})
	if err != nil {
		return nil, fmt.Errorf("listing the releases of %s: %w", s.Env, err)
	}
	var out []*Record
	for i := range list.Items {
		if list.Items[i].Type != SecretType {
			continue
		}
		r, err := decode(&list.Items[i])
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *Record) int { return a.Revision - b.Revision })
	return out, nil
}

// Get returns one revision.
func (s *Store) Get(ctx context.Context, revision int) (*Record, error) {
	sec, err := s.Secrets.Get(ctx, SecretName(s.Env, revision), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %s has no revision %d", ErrNoRelease, s.Env, revision)
	}
	if err != nil {
		return nil, fmt.Errorf("reading revision %d of %s: %w", revision, s.Env, err)
	}
	return decode(sec)
}

// Current returns the release that is deployed now, or an error matching
// ErrNoRelease when none is.
func (s *Store) Current(ctx context.Context) (*Record, error) {
	all, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Status == Deployed {
			return all[i], nil
		}
	}
	return nil, fmt.Errorf("%w: nothing is deployed to %s", ErrNoRelease, s.Env)
}

// NextRevision is one more than the highest revision recorded.
func (s *Store) NextRevision(ctx context.Context) (int, error) {
	all, err := s.List(ctx)
	if err != nil {
		return 0, err
	}
	if len(all) == 0 {
		return 1, nil
	}
	return all[len(all)-1].Revision + 1, nil
}

// Create records r as a new revision. When it is deployed, the release
// deployed before it becomes superseded.
func (s *Store) Create(ctx context.Context, r *Record) error {
	r.Env = s.Env
	if r.Time.IsZero() {
		r.Time = time.Now().UTC()
	}
	sec, err := encode(r)
	if err != nil {
		return err
	}
	if _, err := s.Secrets.Create(ctx, sec, metav1.CreateOptions{}); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("recording revision %d of %s: another deploy recorded it first; retry: %w", r.Revision, s.Env, err)
		}
		return fmt.Errorf("recording revision %d of %s: %w", r.Revision, s.Env, err)
	}
	// Only once the new record exists, so that some release always says deployed.
	if r.Status == Deployed {
		return s.supersede(ctx, r.Revision)
	}
	return nil
}

// Update rewrites r's record, as when a deploy in progress ends. When it is
// deployed, the release deployed before it becomes superseded.
func (s *Store) Update(ctx context.Context, r *Record) error {
	r.Env = s.Env
	sec, err := encode(r)
	if err != nil {
		return err
	}
	if _, err := s.Secrets.Update(ctx, sec, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("recording revision %d of %s as %s: %w", r.Revision, s.Env, r.Status, err)
	}
	if r.Status == Deployed {
		return s.supersede(ctx, r.Revision)
	}
	return nil
}

// Delete removes r's record.
func (s *Store) Delete(ctx context.Context, r *Record) error {
	err := s.Secrets.Delete(ctx, SecretName(s.Env, r.Revision), metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting revision %d of %s: %w", r.Revision, s.Env, err)
	}
	return nil
}

// supersede marks every deployed release other than revision superseded.
func (s *Store) supersede(ctx context.Context, revision int) error {
	all, err := s.List(ctx)
	if err != nil {
		return err
	}
	for _, old := range all {
		if old.Status != Deployed || old.Revision == revision {
			continue
		}
		old.Status = Superseded
		sec, err := encode(old)
		if err != nil {
			return err
		}
		if _, err := s.Secrets.Update(ctx, sec, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("marking revision %d of %s superseded: %w", old.Revision, s.Env, err)
		}
	}
	return nil
}

// Prune deletes the oldest records beyond keep, never the deployed one.
func (s *Store) Prune(ctx context.Context, keep int) error {
	all, err := s.List(ctx)
	if err != nil || len(all) <= keep {
		return err
	}
	for _, r := range all[:len(all)-keep] {
		if r.Status == Deployed {
			continue
		}
		err := s.Secrets.Delete(ctx, SecretName(s.Env, r.Revision), metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting revision %d of %s: %w", r.Revision, s.Env, err)
		}
	}
	return nil
}

func encode(r *Record) (*corev1.Secret, error) {
	meta, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encoding revision %d: %w", r.Revision, err)
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: SecretName(r.Env, r.Revision),
			Labels: map[string]string{
				OwnerLabel:    "x-platform",
				EnvLabel:      r.Env,
				RevisionLabel: strconv.Itoa(r.Revision),
				StatusLabel:   string(r.Status),
			},
		},
		Type: SecretType,
		Data: map[string][]byte{"release": gzipped(meta), "manifest": gzipped(r.Manifest)},
	}, nil
}

func decode(sec *corev1.Secret) (*Record, error) {
	meta, err := gunzip(sec.Data["release"])
	if err != nil {
		return nil, fmt.Errorf("reading release record %s: %w", sec.Name, err)
	}
	r := &Record{Namespace: sec.Namespace}
	if err := json.Unmarshal(meta, r); err != nil {
		return nil, fmt.Errorf("reading release record %s: %w", sec.Name, err)
	}
	if r.Manifest, err = gunzip(sec.Data["manifest"]); err != nil {
		return nil, fmt.Errorf("reading the manifest of release record %s: %w", sec.Name, err)
	}
	return r, nil
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b) // writes to a bytes.Buffer do not fail
	_ = zw.Close()
	return buf.Bytes()
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return io.ReadAll(io.LimitReader(zr, 64<<20))
}
