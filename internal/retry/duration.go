package retry

import (
	"strings"
	"time"
)

// ShortDuration writes d as users write timeouts: 20m for 20m0s, 1h for
// 1h0m0s.
func ShortDuration(d time.Duration) string {
	out := d.String()
	if strings.HasSuffix(out, "m0s") {
		out = strings.TrimSuffix(out, "0s")
	}
	if strings.HasSuffix(out, "h0m") {
		out = strings.TrimSuffix(out, "0m")
	}
	return out
}
