// Package cache is a read-through cache in Redis for expensive reads of
// versioned entities. Every value is stored with its version, and writers
// invalidate by version after their transaction commits, so a reader that
// loaded an old version before a write can never put it back afterwards.
//
// The cache is an optimisation, never a dependency: when Redis is slow or
// down, reads go straight to the loader without an error (each Redis call
// has a short deadline, and after a failure the cache stays out of the
// way for a moment), and cache_requests_total{result="error"} counts it.
// Invalidations Redis refused during an outage are remembered and applied
// before the cache is used again, so a change committed during the outage
// is not hidden by an old copy afterwards.
//
// Hand-written rather than go-redis/cache: that library overwrites
// whatever is cached, and the version check is what keeps an old copy out.
package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Options configure one cache.
type Options struct {
	// Name labels the metrics and namespaces the keys, e.g. "orders".
	Name string
	// Prefix is prepended to every key (REDIS_PREFIX), so deployments and
	// tests can share a Redis.
	Prefix string
	// TTL bounds how long a value (or an invalidation marker) lives: also
	// how long a value could stay stale if an invalidation was lost while
	// Redis was unreachable. Default one minute.
	TTL time.Duration
	// Timeout is the deadline of each Redis call. Default 100 ms.
	Timeout time.Duration
	// Backoff is how long the cache is bypassed after a Redis error.
	// Default one second.
	Backoff time.Duration
}

// Loader loads the value of a key from the source of truth and returns it
// with its version.
type Loader[T any] func(ctx context.Context) (value T, version int64, err error)

// Cache is a read-through cache of T values, safe for concurrent use.
type Cache[T any] struct {
	rdb       redis.UniversalClient
	opts      Options
	requests  *prometheus.CounterVec
	skipUntil atomic.Int64 // unix nanoseconds

	// Invalidations Redis refused, retried before the next use of Redis so
	// that this replica never reads back what it failed to invalidate.
	mu       sync.Mutex
	pending  map[string]int64
	npending atomic.Int64
}

// maxPending bounds the invalidations remembered during an outage; past
// it an arbitrary one is forgotten, and its copy expires with the TTL.
const maxPending = 10_000

// New returns a cache of T values in rdb, counting requests on reg.
// Several caches may share one registerer.
func New[T any](rdb redis.UniversalClient, reg prometheus.Registerer, opts Options) (*Cache[T], error) {
	if opts.Name == "" {
		return nil, errors.New("cache: a name is required")
	}
	if opts.TTL <= 0 {
		opts.TTL = time.Minute
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 100 * time.Millisecond
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	// One collector per cache, told apart by a constant label, so caches
	// share a registerer without knowing of each other.
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name:        "cache_requests_total",
		Help:        "Read-through cache lookups by cache and result (hit, miss, error).",
		ConstLabels: prometheus.Labels{"cache": opts.Name},
	}, []string{"result"})
	if err := reg.Register(requests); err != nil {
		return nil, fmt.Errorf("cache %s: register metrics: %w", opts.Name, err)
	}
	return &Cache[T]{rdb: rdb, opts: opts, requests: requests}, nil
}

// Get returns the cached value of key, or loads it with load, caches it
// and returns it. Errors from load are returned as they are; Redis errors
// never are.
func (c *Cache[T]) Get(ctx context.Context, key string, load Loader[T]) (T, error) {
	if v, ok := c.lookup(ctx, key); ok {
		return v, nil
	}
	v, version, err := load(ctx)
	if err != nil {
		return v, err
	}
	c.store(ctx, key, v, version)
	return v, nil
}

// Invalidate marks every cached copy of key older than version as gone.
// Call it after the change that produced version has committed (e.g. in
// database.AfterCommit). It never fails: when Redis is unreachable the
// invalidation is remembered and applied before this cache next reads or
// writes Redis (other replicas may serve the old copy until then, at most
// for the TTL).
func (c *Cache[T]) Invalidate(ctx context.Context, key string, version int64) {
	if c.bypassed() || !c.flushPending(ctx) || !c.invalidate(ctx, key, version) {
		c.remember(key, version)
	}
}

func (c *Cache[T]) invalidate(ctx context.Context, key string, version int64) bool {
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	err := invalidateScript.Run(ctx, c.rdb, []string{c.key(key)}, version, c.opts.TTL.Milliseconds()).Err()
	if err != nil && !errors.Is(err, redis.Nil) {
		c.fail()
		return false
	}
	return true
}

// remember keeps an invalidation Redis could not take.
func (c *Cache[T]) remember(key string, version int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		c.pending = map[string]int64{}
	}
	if len(c.pending) >= maxPending {
		for k := range c.pending { // forget an arbitrary one; it expires with its TTL
			delete(c.pending, k)
			break
		}
	}
	if version > c.pending[key] {
		c.pending[key] = version
	}
	c.npending.Store(int64(len(c.pending)))
}

// flushPending applies the remembered invalidations and reports whether
// none is left.
func (c *Cache[T]) flushPending(ctx context.Context) bool {
	if c.npending.Load() == 0 {
		return true
	}
	c.mu.Lock()
	pending := c.pending
	c.pending = nil
	c.npending.Store(0)
	c.mu.Unlock()
	ok := true
	for key, version := range pending {
		if !ok || !c.invalidate(ctx, key, version) {
			ok = false
			c.remember(key, version)
		}
	}
	return ok
}

// lookup returns the cached value, counting a hit, a miss or an error.
func (c *Cache[T]) lookup(ctx context.Context, key string) (T, bool) {
	var zero T
	if c.bypassed() || !c.flushPending(ctx) {
		c.count("error")
		return zero, false
	}
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	data, err := c.rdb.HGet(ctx, c.key(key), "d").Result()
	switch {
	case errors.Is(err, redis.Nil):
		c.count("miss")
		return zero, false
	case err != nil:
		c.fail()
		c.count("error")
		return zero, false
	}
	var v T
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		c.count("miss") // an old or foreign encoding: overwritten below
		return zero, false
	}
	c.count("hit")
	return v, true
}

// store caches v at version unless a newer version (or its invalidation)
// is already there.
func (c *Cache[T]) store(ctx context.Context, key string, v T, version int64) {
	if c.bypassed() || !c.flushPending(ctx) {
		return
	}
	c.put(ctx, key, v, version)
}

// Replace makes v the cached value of key at version: call it after the
// change that produced version has committed (instead of Invalidate, when
// the writer has the new value), so the next reader gets it without a
// load. Like Invalidate, it never overwrites a newer version and never
// fails: when Redis cannot take it, it is remembered as an invalidation.
func (c *Cache[T]) Replace(ctx context.Context, key string, v T, version int64) {
	if c.bypassed() || !c.flushPending(ctx) || !c.put(ctx, key, v, version) {
		c.remember(key, version)
	}
}

// put runs the versioned set and reports whether Redis took it.
func (c *Cache[T]) put(ctx context.Context, key string, v T, version int64) bool {
	data, err := json.Marshal(v)
	if err != nil {
		return false
	}
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	if err := setScript.Run(ctx, c.rdb, []string{c.key(key)}, version, data, c.opts.TTL.Milliseconds()).Err(); err != nil && !errors.Is(err, redis.Nil) {
		c.fail()
		return false
	}
	return true
}

// callContext bounds one Redis call. It does not follow the request's
// cancellation: a call abandoned half-way can cost a pooled connection,
// and the deadline is short anyway.
func (c *Cache[T]) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), c.opts.Timeout)
}

func (c *Cache[T]) key(k string) string { return c.opts.Prefix + "cache:" + c.opts.Name + ":" + k }

func (c *Cache[T]) bypassed() bool { return time.Now().UnixNano() < c.skipUntil.Load() }

func (c *Cache[T]) fail() { c.skipUntil.Store(time.Now().Add(c.opts.Backoff).UnixNano()) }

func (c *Cache[T]) count(result string) { c.requests.WithLabelValues(result).Inc() }

// A cached entry is a hash: v is the version, d the JSON value. An
// invalidation keeps v (raised to the new version) and drops d, so a
// reader that loaded an older version cannot store it afterwards.
var (
	setScript = redis.NewScript(`
local cur = tonumber(redis.call('HGET', KEYS[1], 'v'))
if cur and cur > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`)
	invalidateScript = redis.NewScript(`
local cur = tonumber(redis.call('HGET', KEYS[1], 'v'))
if cur and cur > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1])
redis.call('HDEL', KEYS[1], 'd')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`)
)
