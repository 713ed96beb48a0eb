// Package timestamp is docs/api.md's time: RFC 3339, UTC, to the millisecond.
// Now gives the time a module stamps on what it writes, already at that
// precision, so what is stored, read back and sent to a client are equal;
// Format writes a time on the wire.
package timestamp

import "time"

// Layout is RFC 3339 with exactly three fractional digits; in UTC it ends
// in Z: 2026-11-26T10:04:05.123Z.
const Layout = "2006-01-02T15:04:05.000Z07:00"

// Now returns the time of now, or of time.Now when now is nil (tests pass
// a fixed clock), in UTC and truncated to the millisecond.
func Now(now func() time.Time) time.Time {
	if now == nil {
		now = time.Now
	}
	return now().UTC().Truncate(time.Millisecond)
}

// Format writes t as docs/api.md's timestamps: RFC 3339, UTC, milliseconds.
func Format(t time.Time) string { return t.UTC().Format(Layout) }
