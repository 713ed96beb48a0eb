package postgres

import (
	"testing"
	"time"
)

// TestNextLook: the chainer looks again soon while it finds work, and
// backs off to one look a second while it finds none.
func TestNextLook(t *testing.T) {
	t.Parallel()
	wait := chainerMinInterval
	var waits []time.Duration
	for range 8 {
		wait = nextLook(wait, 0)
		waits = append(waits, wait)
	}
	want := []time.Duration{50, 100, 200, 400, 800, 1000, 1000, 1000}
	for i, w := range want {
		if waits[i] != w*time.Millisecond {
			t.Fatalf("idle waits = %v, want %v ms", waits, want)
		}
	}
	if got := nextLook(chainerMaxInterval, 3); got != chainerMinInterval {
		t.Errorf("after linking 3 events the chainer waits %s, want %s", got, chainerMinInterval)
	}
}
