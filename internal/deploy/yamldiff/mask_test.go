package yamldiff

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func secret(data map[string]any, stringData map[string]any) *unstructured.Unstructured {
	o := map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "db"}}
	if data != nil {
		o["data"] = data
	}
	if stringData != nil {
		o["stringData"] = stringData
	}
	return &unstructured.Unstructured{Object: o}
}

func TestObjectsMasksSecretValues(t *testing.T) {
	t.Parallel()
	live := secret(map[string]any{"user": "YWRtaW4=", "password": "aHVudGVyMg==", "old": "Z29uZQ=="}, nil)
	live.SetAnnotations(map[string]string{lastApplied: `{"data":{"password":"aHVudGVyMg=="}}`})
	want := secret(map[string]any{"user": "YWRtaW4=", "password": "czNjcjN0", "new": "bmV3"}, map[string]any{"token": "plain-token"})
	ml, mw := MaskSecrets(live, want)
	text, err := Objects("secret/db", ml, mw)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"YWRtaW4=", "aHVudGVyMg==", "czNjcjN0", "Z29uZQ==", "bmV3", "plain-token"} {
		if strings.Contains(text, secret) {
			t.Errorf("the diff shows the value %q:\n%s", secret, text)
		}
	}
	for _, line := range []string{
		"-  password: '*** (before)'", "+  password: '*** (after)'",
		"-  old: '*** (before)'", "+  new: '*** (after)'", "+  token: '*** (after)'",
		"   user: '***'",
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("the diff lacks %q:\n%s", line, text)
		}
	}
	if live.Object["data"].(map[string]any)["password"] != "aHVudGVyMg==" {
		t.Error("masking changed the object it was given")
	}
}

func TestMaskSecretsUnchangedSecretHasNoDiff(t *testing.T) {
	t.Parallel()
	ml, mw := MaskSecrets(secret(map[string]any{"k": "dg=="}, nil), secret(map[string]any{"k": "dg=="}, nil))
	if text, err := Objects("secret/db", ml, mw); err != nil || text != "" {
		t.Fatalf("an unchanged secret: %q %v", text, err)
	}
	// A created secret (nothing live) shows only masks.
	_, mw = MaskSecrets(nil, secret(map[string]any{"k": "dg=="}, nil))
	if text, _ := Objects("secret/db", nil, mw); strings.Contains(text, "dg==") {
		t.Fatalf("a created secret shows its value:\n%s", text)
	}
}

func TestMaskSecretsLeavesOtherKinds(t *testing.T) {
	t.Parallel()
	cm := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]any{"k": "v"}}}
	if l, _ := MaskSecrets(cm, nil); l.Object["data"].(map[string]any)["k"] != "v" {
		t.Fatal("a ConfigMap was masked")
	}
}

func TestMaskSecret(t *testing.T) {
	secret := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata":   map[string]any{"name": "db", "annotations": map[string]any{lastApplied: `{"data":{"a":"c2VjcmV0"}}`}},
		"data":       map[string]any{"a": "c2VjcmV0"},
		"stringData": map[string]any{"b": "secret"},
	}}
	got := MaskSecret(secret)
	if got.Object["data"].(map[string]any)["a"] != Masked || got.Object["stringData"].(map[string]any)["b"] != Masked || got.GetAnnotations()[lastApplied] != Masked {
		t.Errorf("not masked: %v", got.Object)
	}
	if secret.Object["data"].(map[string]any)["a"] != "c2VjcmV0" {
		t.Error("the original changed")
	}
	cm := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]any{"a": "b"}}}
	if MaskSecret(cm) != cm {
		t.Error("a ConfigMap was copied")
	}
}
