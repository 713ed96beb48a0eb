// Package ratelimit implements docs/api.md's rate limiting: token buckets kept
// in Redis by github.com/go-redis/redis_rate (GCRA, one atomic script per
// decision, with Redis' clock), so that every replica shares the same
// budget; per user for authenticated requests and per client IP for
// anonymous ones; stricter named buckets that modules declare for their
// own routes (ProvideRules); the IETF RateLimit header fields; and the
// fail-open/fail-closed rule when Redis is unreachable. The policy, the
// headers and the failure rule are ours: redis_rate only keeps the
// buckets.
package ratelimit

import (
	"fmt"
	"strconv"
	"time"
)

// BucketDefault names the bucket of every route without a rule of its own.
// Bucket names appear in the RateLimit header fields and in the bucket
// label of ratelimit_decisions_total.
const BucketDefault = "default"

// Bucket is one named token bucket holding up to Limit tokens, refilled
// continuously at Limit tokens per Window; each request takes one. A
// client may thus spend a full window's quota at once, then one token
// every Window/Limit.
type Bucket struct {
	Name   string
	Limit  int
	Window time.Duration
	// FailClosed refuses requests when the limiter cannot reach Redis.
	// Routes that guard credentials fail closed, so an outage of Redis
	// never lifts the brute-force protection; the others fail open, so it
	// never takes the API down.
	FailClosed bool
}

// Validate reports a bucket that cannot work.
func (b Bucket) Validate() error {
	switch {
	case b.Name == "":
		return fmt.Errorf("rate limit bucket without a name")
	case b.Limit < 1:
		return fmt.Errorf("rate limit %q: limit must be at least 1, got %d", b.Name, b.Limit)
	case b.Window < time.Millisecond:
		return fmt.Errorf("rate limit %q: window must be at least 1ms, got %s", b.Name, b.Window)
	}
	return nil
}

// PolicyHeader is the value of the RateLimit-Policy field
// (draft-ietf-httpapi-ratelimit-headers): the quota q per window w seconds,
// e.g. `"default";q=100;w=60`.
func (b Bucket) PolicyHeader() string {
	return strconv.Quote(b.Name) + ";q=" + strconv.Itoa(b.Limit) + ";w=" + strconv.Itoa(ceilSeconds(b.Window))
}

// Decision is the outcome of taking one token.
type Decision struct {
	Allowed bool
	// Remaining is the number of whole tokens left after this request.
	Remaining int
	// RetryAfter is how long until a refused request would be allowed;
	// zero when allowed.
	RetryAfter time.Duration
	// Reset is how long until the bucket is full again.
	Reset time.Duration
}

// Header is the value of the RateLimit field for this decision, e.g.
// `"default";r=42;t=17`: r tokens remain, and the quota is fully restored
// in t seconds.
func (d Decision) Header(b Bucket) string {
	return strconv.Quote(b.Name) + ";r=" + strconv.Itoa(d.Remaining) + ";t=" + strconv.Itoa(ceilSeconds(d.Reset))
}

// RetryAfterSeconds is the Retry-After value of a refused request: whole
// seconds, rounded up and at least 1, so a client that waits that long is
// not refused again.
func (d Decision) RetryAfterSeconds() int { return max(1, ceilSeconds(d.RetryAfter)) }

func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}
