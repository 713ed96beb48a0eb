package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// ErrUnavailable wraps every failure to reach Redis, so that callers can
// apply the fail-open/fail-closed rule with errors.Is.
var ErrUnavailable = errors.New("rate limit store unavailable")

// Limiter takes tokens from buckets kept in Redis by redis_rate. It is safe
// for concurrent use and shares its buckets with every other Limiter using
// the same Redis and prefix, i.e. with every replica.
type Limiter struct {
	rate    *redis_rate.Limiter
	prefix  string
	timeout time.Duration
	backoff time.Duration
	// downUntil is the UnixNano until which Redis is presumed down after a
	// failure, so that a dead Redis costs one timeout per backoff period
	// instead of one per request.
	downUntil atomic.Int64
}

// Options tune a Limiter; zero values take the defaults.
type Options struct {
	// Prefix is REDIS_PREFIX; the limiter adds "ratelimit:", and redis_rate
	// puts its fixed "rate:" in front of the whole key.
	Prefix string
	// Timeout bounds each round trip to Redis (default 250ms), so a slow
	// Redis delays a request by at most that much.
	Timeout time.Duration
	// Backoff is how long the limiter stops calling Redis after a failure
	// (default 1s). During it, decisions fail fast with ErrUnavailable.
	Backoff time.Duration
}

// New returns a Limiter over rdb (*redis.Client or *redis.ClusterClient).
// It does no I/O.
func New(rdb redis.Cmdable, o Options) *Limiter {
	if o.Timeout <= 0 {
		o.Timeout = 250 * time.Millisecond
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	return &Limiter{rate: redis_rate.NewLimiter(rdb), prefix: o.Prefix + "ratelimit:", timeout: o.Timeout, backoff: o.Backoff}
}

// Allow takes one token from bucket b for key (a user or client IP) and
// says whether the request may proceed. An error wraps ErrUnavailable: the
// caller decides by b.FailClosed whether to refuse or to let it through.
func (l *Limiter) Allow(ctx context.Context, b Bucket, key string) (Decision, error) {
	if until := l.downUntil.Load(); until != 0 && time.Now().UnixNano() < until {
		return Decision{}, fmt.Errorf("%w: backing off after a recent failure", ErrUnavailable)
	}
	tctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	res, err := l.rate.Allow(tctx, l.Key(b, key), redis_rate.Limit{Rate: b.Limit, Burst: b.Limit, Period: b.Window})
	if err != nil {
		if ctx.Err() == nil { // the store failed, not the caller
			l.downUntil.Store(time.Now().Add(l.backoff).UnixNano())
		}
		return Decision{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	l.downUntil.Store(0)
	return Decision{
		Allowed:    res.Allowed > 0,
		Remaining:  res.Remaining,
		RetryAfter: max(res.RetryAfter, 0), // redis_rate says -1 when allowed
		Reset:      res.ResetAfter,
	}, nil
}

// Key is the Redis key of bucket b for key, as given to redis_rate.
func (l *Limiter) Key(b Bucket, key string) string { return l.prefix + b.Name + ":" + key }
