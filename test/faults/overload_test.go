package faults

import (
	"net/http"
	"sort"
	"testing"
	"time"
)

// TestOverloadShedsFast: past HTTP_MAX_IN_FLIGHT concurrent requests, the
// extra ones get an immediate 503 with Retry-After instead of every
// request slowing down, and the ones admitted keep a bounded latency.
// The database is made slow (20ms a round trip) so that requests hold
// their slot, and 64 clients send back to back to a limit of 16.
func TestOverloadShedsFast(t *testing.T) {
	e := newEnv(t, 4, 64, "HTTP_MAX_IN_FLIGHT=16", "DATABASE_ACQUIRE_TIMEOUT=5s")
	waitReady(t, e, 30*time.Second)
	e.pg.toxic("slow", "latency", "downstream", map[string]any{"latency": 20})
	rs := e.load(3 * time.Second)
	e.pg.remove("slow")

	var shed, admitted []time.Duration
	for _, r := range rs {
		switch {
		case r.status == http.StatusServiceUnavailable:
			shed = append(shed, r.latency)
			if r.retryAfter == "" {
				t.Errorf("503 without Retry-After")
			}
		case r.status >= 200 && r.status < 300:
			admitted = append(admitted, r.latency)
		default:
			t.Errorf("%s: %d %s", r.op, r.status, r.err)
		}
	}
	if len(shed) == 0 || len(admitted) == 0 {
		t.Fatalf("shed %d, admitted %d: the limit did not engage: %s", len(shed), len(admitted), summarize(rs))
	}
	shedP99, admittedP99 := percentile(shed, 99), percentile(admitted, 99)
	if shedP99 > 500*time.Millisecond {
		t.Errorf("p99 of shed requests %s: refusals must be immediate", ms(shedP99))
	}
	if admittedP99 >= requestTimeout+500*time.Millisecond {
		t.Errorf("p99 of admitted requests %s: they queue to the deadline", ms(admittedP99))
	}
	t.Logf("overload (64 clients, HTTP_MAX_IN_FLIGHT=16, Postgres +20ms a round trip, 3s): %s; shed %d (p50 %s, p99 %s), admitted %d (p50 %s, p99 %s)",
		summarize(rs), len(shed), ms(percentile(shed, 50)), ms(shedP99), len(admitted), ms(percentile(admitted, 50)), ms(admittedP99))
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, len(s)*p/100)]
}
