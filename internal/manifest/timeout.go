package manifest

import "time"

// DefaultTimeout bounds a service's build and tests when its entry sets no
// timeout: generous, so that only a build that hangs reaches it.
const DefaultTimeout = 60 * time.Minute

// BuildTimeout is how long the service's build and tests may take.
func (s *Service) BuildTimeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultTimeout
}

// timeout reads a service's optional `timeout:`, a Go duration such as 20m
// or 1h30m; 0 when it is absent.
func (d *decoder) timeout(o *object) time.Duration {
	v, at := d.str(o, "timeout", false)
	if at == nil {
		return 0
	}
	t, err := time.ParseDuration(v)
	if err != nil || t <= 0 {
		d.report(at, join(o.path, "timeout"), "must be a positive duration such as 20m or 1h30m, got %q", v)
		return 0
	}
	return t
}
