package release

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/x-platform/x-platform/internal/image"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

const sha = "0123456789abcdef0123456789abcdef01234567"

// TestReadRecordWithoutTags: records written before services had a tag
// read with the tag their image carries; a working folder's dirty- tag,
// which they held in commit, becomes the tag and leaves no commit.
func TestReadRecordWithoutTags(t *testing.T) {
	t.Parallel()
	old := `{"env":"staging","revision":1,"status":"deployed","services":[` +
		`{"name":"zbackend","commit":"dirty-0123456789abcdef","reference":"local:/src/zbackend","image":"r/zbackend:dirty-0123456789abcdef","digest":"sha256:1"},` +
		`{"name":"zfrontend","commit":"` + sha + `","reference":"main","image":"r/zfrontend:` + sha + `","digest":"sha256:2"}]}`
	cs := fake.NewClientset(&corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: SecretName("staging", 1), Namespace: "ns",
			Labels: map[string]string{OwnerLabel: "x-platform", EnvLabel: "staging", RevisionLabel: "1", StatusLabel: "deployed"}},
		Type: SecretType,
		Data: map[string][]byte{"release": gzipped([]byte(old)), "manifest": gzipped(nil)},
	})
	s := &Store{Secrets: cs.CoreV1().Secrets("ns"), Env: "staging"}
	rec, err := s.Get(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	local, built := rec.Service("zbackend"), rec.Service("zfrontend")
	if local == nil || local.Commit != "" || local.Tag != "dirty-0123456789abcdef" || local.CommitOrTag() != local.Tag {
		t.Errorf("old folder's service reads as %+v, want no commit and tag dirty-0123456789abcdef", local)
	}
	if built == nil || built.Commit != sha || built.Tag != sha || built.CommitOrTag() != sha {
		t.Errorf("old commit's service reads as %+v, want commit and tag %s", built, sha)
	}
}

// TestServiceJSON: a new record keeps the fields older readers know, and
// reads back as it was written.
func TestServiceJSON(t *testing.T) {
	for _, s := range []Service{
		{Name: "zbackend", Reference: "local:/src/zbackend", Tag: "dirty-0123456789abcdef", Image: image.Cut("r/zbackend:dirty-0123456789abcdef"), Digest: "sha256:1"},
		{Name: "zfrontend", Commit: sha, Reference: "main", Tag: sha, Image: image.Cut("r/zfrontend:" + sha), Digest: "sha256:2"},
	} {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{`"name":`, `"commit":`, `"image":`, `"digest":`, `"tag":`} {
			if !strings.Contains(string(b), key) {
				t.Errorf("%s lacks %s", b, key)
			}
		}
		var back Service
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Errorf("%s reads back as %+v (%v), want %+v", b, back, err, s)
		}
	}
	if err := json.Unmarshal([]byte(`{"name":1}`), new(Service)); err == nil {
		t.Error("a service whose name is a number reads without error")
	}
}
