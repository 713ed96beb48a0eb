package load_test

import (
	"testing"
	"time"
)

// TestWindowP99IgnoresAStall: one window of slow answers (a storage
// stall) moves the p99 of the whole run, not the median of the windows'
// p99s.
func TestWindowP99IgnoresAStall(t *testing.T) {
	t.Parallel()
	var o outcome
	start := time.Unix(1_800_000_000, 0)
	for w := range 5 {
		for i := range 100 {
			latency := time.Duration(10+i%10) * time.Millisecond // p99 19 ms
			if w == 2 {
				latency = 400 * time.Millisecond
			}
			o.latencies = append(o.latencies, latency)
			o.window(start.Add(time.Duration(w)*windowLen+time.Duration(i)*time.Millisecond), latency)
		}
	}
	// A cut-off window with too few answers does not count.
	o.window(start.Add(5*windowLen), time.Second)
	o.finish()
	if o.p99 != 400*time.Millisecond {
		t.Fatalf("p99 = %s, want the stall's 400ms", o.p99)
	}
	if o.windowP99 != 19*time.Millisecond {
		t.Fatalf("window p99 = %s, want 19ms", o.windowP99)
	}
}
