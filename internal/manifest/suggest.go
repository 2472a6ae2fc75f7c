package manifest

import (
	"fmt"
	"strings"

	"github.com/x-platform/x-platform/internal/similar"
)

// suggest proposes the allowed key closest to a misspelt one.
func suggest(name string, allowed []string) string {
	best, bestDist := "", 3
	for _, a := range allowed {
		if strings.EqualFold(a, name) {
			return fmt.Sprintf(" (did you mean %s?)", a)
		}
		if dist := similar.Distance(strings.ToLower(name), strings.ToLower(a)); dist < bestDist {
			best, bestDist = a, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}
