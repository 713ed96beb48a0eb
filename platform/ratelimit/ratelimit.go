// Package ratelimit implements API.md's rate limiting: token buckets kept
// in Redis by github.com/go-redis/redis_rate (GCRA, one atomic script per
// decision, with Redis' clock), so that every replica shares the same
// budget; per user for authenticated requests and per client IP for
// anonymous ones; stricter named buckets for login, sign-up and password
// reset; the IETF RateLimit header fields; and the fail-open/fail-closed
// rule when Redis is unreachable. The policy, the headers and the failure
// rule are ours: redis_rate only keeps the buckets.
package ratelimit

import (
	"fmt"
	"strconv"
	"time"
)

// The names of the buckets. They appear in the RateLimit header fields and
// in the bucket label of ratelimit_decisions_total.
const (
	BucketDefault       = "default"
	BucketLogin         = "login"
	BucketSignup        = "signup"
	BucketPasswordReset = "password-reset"
)

// Policy is one named token bucket holding up to Rate tokens, refilled
// continuously at Rate tokens per Window; each request takes one. A client
// may thus spend a full window's quota at once, then one token every
// Window/Rate.
type Policy struct {
	Name   string
	Rate   int
	Window time.Duration
	// FailClosed refuses requests when the limiter cannot reach Redis.
	// Sensitive routes (login, sign-up, password reset) fail closed, so an
	// outage of Redis never lifts the brute-force protection; the others
	// fail open, so it never takes the API down.
	FailClosed bool
}

// Validate reports a policy that cannot work.
func (p Policy) Validate() error {
	switch {
	case p.Name == "":
		return fmt.Errorf("rate limit policy without a name")
	case p.Rate < 1:
		return fmt.Errorf("rate limit %q: rate must be at least 1, got %d", p.Name, p.Rate)
	case p.Window < time.Millisecond:
		return fmt.Errorf("rate limit %q: window must be at least 1ms, got %s", p.Name, p.Window)
	}
	return nil
}

// PolicyHeader is the value of the RateLimit-Policy field
// (draft-ietf-httpapi-ratelimit-headers): the quota q per window w seconds,
// e.g. `"default";q=100;w=60`.
func (p Policy) PolicyHeader() string {
	return strconv.Quote(p.Name) + ";q=" + strconv.Itoa(p.Rate) + ";w=" + strconv.Itoa(ceilSeconds(p.Window))
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
func (d Decision) Header(p Policy) string {
	return strconv.Quote(p.Name) + ";r=" + strconv.Itoa(d.Remaining) + ";t=" + strconv.Itoa(ceilSeconds(d.Reset))
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
