package ratelimit_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/zebralabs/zebra/platform/ratelimit"
	"github.com/zebralabs/zebra/platform/redistest"
)

func TestAllowSpendsTheBucketThenRefuses(t *testing.T) {
	t.Parallel()
	rdb, prefix := newRedis(t)
	l := ratelimit.New(rdb, ratelimit.Options{Prefix: prefix})
	p := ratelimit.Bucket{Name: "default", Limit: 5, Window: time.Minute}
	ctx := context.Background()

	for i := range 5 {
		d, err := l.Allow(ctx, p, "ip:192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if !d.Allowed || d.Remaining != 4-i {
			t.Fatalf("request %d: %+v, want allowed with %d remaining", i, d, 4-i)
		}
	}
	d, err := l.Allow(ctx, p, "ip:192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if d.Allowed || d.Remaining != 0 {
		t.Fatalf("6th request: %+v, want refused", d)
	}
	// One token comes back every 12s; the bucket is full after 60s.
	if d.RetryAfter < 11*time.Second || d.RetryAfter > 12*time.Second {
		t.Errorf("RetryAfter = %s, want about 12s", d.RetryAfter)
	}
	if d.RetryAfterSeconds() != 12 {
		t.Errorf("RetryAfterSeconds = %d, want 12", d.RetryAfterSeconds())
	}
	if d.Reset < 59*time.Second || d.Reset > time.Minute {
		t.Errorf("Reset = %s, want about 60s", d.Reset)
	}
	if got := d.Header(p); got != `"default";r=0;t=60` {
		t.Errorf("RateLimit = %s", got)
	}
	if got := p.PolicyHeader(); got != `"default";q=5;w=60` {
		t.Errorf("RateLimit-Policy = %s", got)
	}

	other, err := l.Allow(ctx, p, "ip:192.0.2.2")
	if err != nil || !other.Allowed {
		t.Fatalf("another key shares the bucket: %+v %v", other, err)
	}
	login, err := l.Allow(ctx, ratelimit.Bucket{Name: "login", Limit: 1, Window: time.Minute}, "ip:192.0.2.1")
	if err != nil || !login.Allowed {
		t.Fatalf("another bucket shares the tokens: %+v %v", login, err)
	}
}

func TestAllowRefillsOverTime(t *testing.T) {
	t.Parallel()
	rdb, prefix := newRedis(t)
	l := ratelimit.New(rdb, ratelimit.Options{Prefix: prefix})
	p := ratelimit.Bucket{Name: "fast", Limit: 4, Window: 400 * time.Millisecond} // a token per 100ms
	ctx := context.Background()
	for range 4 {
		if d, err := l.Allow(ctx, p, "u"); err != nil || !d.Allowed {
			t.Fatalf("%+v %v", d, err)
		}
	}
	d, err := l.Allow(ctx, p, "u")
	if err != nil || d.Allowed {
		t.Fatalf("empty bucket allowed: %+v %v", d, err)
	}
	time.Sleep(d.RetryAfter + 20*time.Millisecond)
	if d, err := l.Allow(ctx, p, "u"); err != nil || !d.Allowed {
		t.Fatalf("after RetryAfter: %+v %v", d, err)
	}
}

// The script runs atomically in Redis: concurrent requests from several
// limiters (replicas) never spend more than the bucket holds.
func TestAllowIsAtomicAcrossReplicas(t *testing.T) {
	t.Parallel()
	rdb, prefix := newRedis(t)
	rdb2 := redis.NewClient(rdb.Options())
	t.Cleanup(func() { _ = rdb2.Close() })
	replicas := []*ratelimit.Limiter{
		ratelimit.New(rdb, ratelimit.Options{Prefix: prefix}),
		ratelimit.New(rdb2, ratelimit.Options{Prefix: prefix}),
	}
	p := ratelimit.Bucket{Name: "default", Limit: 20, Window: time.Hour}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Go(func() {
			d, err := replicas[i%2].Allow(context.Background(), p, "user:1")
			if err != nil {
				t.Error(err)
				return
			}
			if d.Allowed {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if allowed.Load() != 20 {
		t.Fatalf("allowed %d of 60 on a bucket of 20", allowed.Load())
	}
}

// noScriptOnce makes the first EVALSHA fail with NOSCRIPT, as after a
// Redis restart, without flushing the shared Redis' script cache.
type noScriptOnce struct{ fired atomic.Bool }

func (h *noScriptOnce) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *noScriptOnce) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if strings.EqualFold(cmd.Name(), "evalsha") && h.fired.CompareAndSwap(false, true) {
			cmd.SetErr(redis.ErrNoScript)
			return redis.ErrNoScript
		}
		return next(ctx, cmd)
	}
}

func (h *noScriptOnce) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// A Redis that restarted (its script cache empty) answers NOSCRIPT; the
// decision must still be taken, not turned into a fail-open or a 503.
func TestAllowSurvivesNoScript(t *testing.T) {
	t.Parallel()
	rdb, prefix := newRedis(t)
	hook := &noScriptOnce{}
	rdb.AddHook(hook)
	l := ratelimit.New(rdb, ratelimit.Options{Prefix: prefix})
	p := ratelimit.Bucket{Name: "default", Limit: 3, Window: time.Minute}
	d, err := l.Allow(context.Background(), p, "k")
	if err != nil || !d.Allowed || d.Remaining != 2 {
		t.Fatalf("after NOSCRIPT: %+v %v", d, err)
	}
	if !hook.fired.Load() {
		t.Fatal("NOSCRIPT was never answered: the test proves nothing")
	}
}

func TestAllowFailsFastWhenRedisIsDown(t *testing.T) {
	t.Parallel()
	l := ratelimit.New(deadRedis(t), ratelimit.Options{Prefix: "x:", Backoff: time.Minute})
	p := ratelimit.Bucket{Name: "default", Limit: 3, Window: time.Minute}
	_, err := l.Allow(context.Background(), p, "k")
	if !errors.Is(err, ratelimit.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	start := time.Now()
	for range 100 {
		if _, err := l.Allow(context.Background(), p, "k"); !errors.Is(err, ratelimit.ErrUnavailable) {
			t.Fatalf("err = %v", err)
		}
	}
	if time.Since(start) > 50*time.Millisecond {
		t.Fatalf("100 decisions during the backoff took %s: each one waited for Redis", time.Since(start))
	}
}

func TestAllowRecoversAfterTheBackoff(t *testing.T) {
	t.Parallel()
	rdb, prefix := newRedis(t)
	var broken atomic.Bool
	broken.Store(true)
	rdb.AddHook(failWhile{&broken})
	l := ratelimit.New(rdb, ratelimit.Options{Prefix: prefix, Backoff: 100 * time.Millisecond})
	p := ratelimit.Bucket{Name: "default", Limit: 3, Window: time.Minute}
	if _, err := l.Allow(context.Background(), p, "k"); !errors.Is(err, ratelimit.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	broken.Store(false)
	if _, err := l.Allow(context.Background(), p, "k"); !errors.Is(err, ratelimit.ErrUnavailable) {
		t.Fatalf("within the backoff: err = %v, want a fast ErrUnavailable", err)
	}
	time.Sleep(150 * time.Millisecond)
	if d, err := l.Allow(context.Background(), p, "k"); err != nil || !d.Allowed {
		t.Fatalf("after the backoff: %+v %v", d, err)
	}
}

// failWhile fails every command while the flag is set.
type failWhile struct{ on *atomic.Bool }

func (h failWhile) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h failWhile) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if h.on.Load() {
			err := errors.New("connection refused")
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}

func (h failWhile) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func TestBucketValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    ratelimit.Bucket
		ok   bool
	}{
		{"valid", ratelimit.Bucket{Name: "default", Limit: 1, Window: time.Second}, true},
		{"no name", ratelimit.Bucket{Limit: 1, Window: time.Second}, false},
		{"zero rate", ratelimit.Bucket{Name: "a", Window: time.Second}, false},
		{"zero window", ratelimit.Bucket{Name: "a", Limit: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := tt.p.Validate(); (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

// newRedis returns a client on the test server and a fresh REDIS_PREFIX.
// redis_rate keeps its keys under "rate:" + the prefix, outside the
// keyspace redistest cleans, so they are deleted here as well.
func newRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	rdb, ks := redistest.New(t)
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, "rate:"+ks.Prefix()+"*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Unlink(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("delete rate limit keys: %v", err)
		}
	})
	return rdb, ks.Prefix()
}
