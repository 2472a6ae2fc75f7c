// Package image names service images — references kept as written and the
// tags builds give them — and looks them up in container registries without
// pulling them, with the credentials and the trust (CA roots, certs.d) the
// docker CLI would use.
package image
