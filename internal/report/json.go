package report

import (
	"encoding/json"
	"io"
)

// JSON prints v as one JSON document indented by two spaces and ended by
// a newline. HTML characters are escaped as encoding/json does by default,
// which the documents scripts already parse have always had.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
