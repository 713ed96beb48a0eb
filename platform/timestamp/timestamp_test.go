package timestamp_test

import (
	"testing"
	"time"

	"github.com/zebralabs/zebra/platform/timestamp"
)

func TestNowIsUTCToTheMillisecond(t *testing.T) {
	t.Parallel()
	paris := time.FixedZone("CET", 3600)
	fixed := time.Date(2026, 11, 26, 11, 4, 5, 123_456_789, paris)
	tests := []struct {
		name string
		now  func() time.Time
		want time.Time
	}{
		{"injected", func() time.Time { return fixed }, time.Date(2026, 11, 26, 10, 4, 5, 123_000_000, time.UTC)},
		{"whole millisecond", func() time.Time { return fixed.Truncate(time.Millisecond) }, time.Date(2026, 11, 26, 10, 4, 5, 123_000_000, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := timestamp.Now(tt.now)
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("Now = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNowDefaultsToTheSystemClock(t *testing.T) {
	t.Parallel()
	before := time.Now().Add(-time.Millisecond)
	got := timestamp.Now(nil)
	if got.Before(before) || got.After(time.Now()) || got.Location() != time.UTC || got.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("Now(nil) = %v, want the current UTC time to the millisecond", got)
	}
}

func TestFormatIsAPIsTimestamp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"other zone, nanoseconds", time.Date(2026, 11, 26, 11, 4, 5, 123_456_789, time.FixedZone("CET", 3600)), "2026-11-26T10:04:05.123Z"},
		{"whole second keeps three digits", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "2026-01-02T03:04:05.000Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := timestamp.Format(tt.in); got != tt.want {
				t.Errorf("Format = %q, want %q", got, tt.want)
			}
		})
	}
}
