// Package clock gives the time a module stamps on what it writes: UTC,
// truncated to the millisecond. API.md's timestamps carry milliseconds, so
// storing exactly what is shown keeps what was written, what is read back
// and what a client was sent equal.
package clock

import "time"

// Now returns the time of now, or of time.Now when now is nil (tests pass
// a fixed clock), in UTC and truncated to the millisecond.
func Now(now func() time.Time) time.Time {
	if now == nil {
		now = time.Now
	}
	return now().UTC().Truncate(time.Millisecond)
}
