package stream

import (
	"math/rand/v2"
	"time"
)

// Backoff is the delay before retry number n (from 1): exponential from
// base, capped at max, with "equal jitter" (a random point in the upper
// half), so retries of many clients spread out instead of arriving
// together. The outbox relay uses it too.
func Backoff(n int, base, max time.Duration) time.Duration {
	if n < 1 {
		n = 1
	}
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	half := d / 2
	return half + rand.N(d-half+1)
}
