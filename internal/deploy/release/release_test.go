package release

import (
	"errors"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/x-platform/x-platform/internal/deploy/object"
	"github.com/x-platform/x-platform/internal/image"
)

func TestStore(t *testing.T) {
	t.Parallel()
	cs := fake.NewClientset(&corev1.Secret{
		// Not a record: same labels, other type.
		ObjectMeta: metav1.ObjectMeta{Name: "lookalike", Namespace: "ns", Labels: map[string]string{OwnerLabel: "x-platform", EnvLabel: "staging"}},
	})
	s := &Store{Secrets: cs.CoreV1().Secrets("ns"), Env: "staging"}
	ctx := t.Context()

	if _, err := s.Current(ctx); !errors.Is(err, ErrNoRelease) {
		t.Fatalf("Current on an empty env: %v, want ErrNoRelease", err)
	}
	if n, err := s.NextRevision(ctx); n != 1 || err != nil {
		t.Fatalf("NextRevision = %d, %v; want 1", n, err)
	}
	one := &Record{
		Revision: 1, Status: Deployed, Description: "deploy",
		Services: []Service{{Name: "zbackend", Commit: "c1", Image: image.Cut("r/zbackend:c1"), Digest: "sha256:1"}},
		Objects:  []object.Ref{{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "ns", Name: "zbackend"}},
		Manifest: []byte("kind: Deployment\n"),
	}
	for _, r := range []*Record{
		one,
		{Revision: 2, Status: Failed, Description: "CrashLoopBackOff"},
		{Revision: 3, Status: Deployed, Description: "rollback to 1", Services: one.Services, Manifest: one.Manifest},
	} {
		if err := s.Create(ctx, r); err != nil {
			t.Fatalf("Create %d: %v", r.Revision, err)
		}
	}
	all, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []Status
	for _, r := range all {
		got = append(got, r.Status)
	}
	if want := []Status{Superseded, Failed, Deployed}; !reflect.DeepEqual(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	cur, err := s.Current(ctx)
	if err != nil || cur.Revision != 3 || string(cur.Manifest) != "kind: Deployment\n" || cur.Service("zbackend").Digest != "sha256:1" {
		t.Fatalf("Current = %+v, %v", cur, err)
	}
	back, err := s.Get(ctx, 1)
	if err != nil || !reflect.DeepEqual(back.Objects, one.Objects) || back.Env != "staging" || back.Time.IsZero() {
		t.Errorf("Get(1) = %+v, %v", back, err)
	}
	if _, err := s.Get(ctx, 9); !errors.Is(err, ErrNoRelease) {
		t.Errorf("Get(9): %v, want ErrNoRelease", err)
	}
	if err := s.Create(ctx, &Record{Revision: 3, Status: Failed}); err == nil {
		t.Error("a second record of revision 3 was accepted")
	}
	sec, err := cs.CoreV1().Secrets("ns").Get(ctx, SecretName("staging", 3), metav1.GetOptions{})
	if err != nil || sec.Labels[StatusLabel] != "deployed" || sec.Labels[RevisionLabel] != "3" || sec.Type != SecretType {
		t.Errorf("secret of revision 3: %+v, %v", sec.ObjectMeta, err)
	}
	if n, _ := s.NextRevision(ctx); n != 4 {
		t.Errorf("NextRevision = %d, want 4", n)
	}
	if err := s.Prune(ctx, 1); err != nil {
		t.Fatal(err)
	}
	all, _ = s.List(ctx)
	if len(all) != 1 || all[0].Revision != 3 {
		t.Errorf("after Prune(1): %d records", len(all))
	}
	other := &Store{Secrets: cs.CoreV1().Secrets("ns"), Env: "production"}
	if all, _ := other.List(ctx); len(all) != 0 {
		t.Errorf("production sees %d staging records", len(all))
	}
}
