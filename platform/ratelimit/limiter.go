package ratelimit

import (
	"context"
	"crypto/sha1" //nolint:gosec // Redis names scripts by their SHA-1; not a security use.
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

//go:embed bucket.lua
var bucketScript string

// scriptSHA is the SHA-1 under which Redis knows bucketScript.
var scriptSHA = func() string {
	sum := sha1.Sum([]byte(bucketScript)) //nolint:gosec // see import
	return hex.EncodeToString(sum[:])
}()

// Scripter is the part of a Redis client the limiter uses; *redis.Client
// and *redis.ClusterClient implement it.
type Scripter interface {
	ScriptLoad(ctx context.Context, script string) *redis.StringCmd
	EvalSha(ctx context.Context, sha1 string, keys []string, args ...any) *redis.Cmd
}

// ErrUnavailable wraps every failure to reach Redis, so that callers can
// apply the fail-open/fail-closed rule with errors.Is.
var ErrUnavailable = errors.New("rate limit store unavailable")

// Limiter takes tokens from buckets kept in Redis. It is safe for
// concurrent use and shares its buckets with every other Limiter using the
// same Redis and prefix, i.e. with every replica.
type Limiter struct {
	rdb     Scripter
	prefix  string
	timeout time.Duration
	backoff time.Duration

	loadMu sync.Mutex
	loaded atomic.Bool
	// downUntil is the UnixNano until which Redis is presumed down after a
	// failure, so that a dead Redis costs one timeout per backoff period
	// instead of one per request.
	downUntil atomic.Int64
}

// Options tune a Limiter; zero values take the defaults.
type Options struct {
	// Prefix starts every key (REDIS_PREFIX); the limiter adds "ratelimit:".
	Prefix string
	// Timeout bounds each round trip to Redis (default 250ms), so a slow
	// Redis delays a request by at most that much.
	Timeout time.Duration
	// Backoff is how long the limiter stops calling Redis after a failure
	// (default 1s). During it, decisions fail fast with ErrUnavailable.
	Backoff time.Duration
}

// New returns a Limiter over rdb. It does no I/O: the script is loaded by
// Load or on first use.
func New(rdb Scripter, o Options) *Limiter {
	if o.Timeout <= 0 {
		o.Timeout = 250 * time.Millisecond
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	return &Limiter{rdb: rdb, prefix: o.Prefix + "ratelimit:", timeout: o.Timeout, backoff: o.Backoff}
}

// Load registers the script with SCRIPT LOAD, once. Allow calls it when
// needed (first use, or after Redis answered NOSCRIPT because it restarted
// or its script cache was flushed), so calling it at startup is only an
// early check.
func (l *Limiter) Load(ctx context.Context) error {
	l.loadMu.Lock()
	defer l.loadMu.Unlock()
	if l.loaded.Load() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	sha, err := l.rdb.ScriptLoad(ctx, bucketScript).Result()
	if err != nil {
		return fmt.Errorf("%w: load script: %w", ErrUnavailable, err)
	}
	if sha != scriptSHA {
		return fmt.Errorf("load script: redis named it %s, expected %s", sha, scriptSHA)
	}
	l.loaded.Store(true)
	return nil
}

// Allow takes one token from p's bucket for key (a user or client IP) and
// says whether the request may proceed. An error wraps ErrUnavailable: the
// caller decides by p.FailClosed whether to refuse or to let it through.
func (l *Limiter) Allow(ctx context.Context, p Policy, key string) (Decision, error) {
	if until := l.downUntil.Load(); until != 0 && time.Now().UnixNano() < until {
		return Decision{}, fmt.Errorf("%w: backing off after a recent failure", ErrUnavailable)
	}
	d, err := l.allow(ctx, p, key)
	if err != nil {
		if ctx.Err() == nil { // the store failed, not the caller
			l.downUntil.Store(time.Now().Add(l.backoff).UnixNano())
		}
		return Decision{}, err
	}
	l.downUntil.Store(0)
	return d, nil
}

func (l *Limiter) allow(ctx context.Context, p Policy, key string) (Decision, error) {
	if !l.loaded.Load() {
		if err := l.Load(ctx); err != nil {
			return Decision{}, err
		}
	}
	res, err := l.eval(ctx, p, key)
	if isNoScript(err) {
		// Redis restarted or its script cache was flushed: load it again,
		// then retry once.
		l.loaded.Store(false)
		if err := l.Load(ctx); err != nil {
			return Decision{}, err
		}
		res, err = l.eval(ctx, p, key)
	}
	if err != nil {
		return Decision{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return parse(res)
}

func (l *Limiter) eval(ctx context.Context, p Policy, key string) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	return l.rdb.EvalSha(ctx, scriptSHA, []string{l.Key(p, key)},
		p.Rate, p.Window.Milliseconds(), p.Rate, 1).Result()
}

// Key is the Redis key of p's bucket for key.
func (l *Limiter) Key(p Policy, key string) string { return l.prefix + p.Name + ":" + key }

func isNoScript(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT")
}

func parse(res any) (Decision, error) {
	v, ok := res.([]any)
	if !ok || len(v) != 4 {
		return Decision{}, fmt.Errorf("%w: unexpected script result %v", ErrUnavailable, res)
	}
	n := make([]int64, 4)
	for i, x := range v {
		switch x := x.(type) {
		case int64:
			n[i] = x
		case string:
			parsed, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return Decision{}, fmt.Errorf("%w: unexpected script result %v", ErrUnavailable, res)
			}
			n[i] = parsed
		default:
			return Decision{}, fmt.Errorf("%w: unexpected script result %v", ErrUnavailable, res)
		}
	}
	return Decision{
		Allowed:    n[0] == 1,
		Remaining:  int(n[1]),
		RetryAfter: time.Duration(n[2]) * time.Millisecond,
		Reset:      time.Duration(n[3]) * time.Millisecond,
	}, nil
}
