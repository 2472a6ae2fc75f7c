package report

import (
	"encoding/json"
	"io"
)

// JSON prints v as one JSON document indented by two spaces and ended by
// a newline. HTML characters are escaped as encoding/json does by default,
// which the documents scripts already parse have always had.
// A document that may quote a secret (a remote in an error) is masked
// first.
func JSON(w io.Writer, v any) error {
	if m, ok := v.(masker); ok {
		v = m.masked()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// masker is a document that hides the secrets its messages may quote.
type masker interface{ masked() any }
