package cache_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/zebralabs/zebra/platform/cache"
)

type item struct {
	Name    string `json:"name"`
	Version int64  `json:"version"`
}

// source is a fake source of truth that counts loads.
type source struct {
	item  item
	loads int
}

func (s *source) load(context.Context) (item, int64, error) {
	s.loads++
	return s.item, s.item.Version, nil
}

func newCache(t *testing.T, addr string) (*cache.Cache[item], *prometheus.Registry) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	prefix := "zebratest:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() { deleteKeys(rdb, prefix) })
	reg := prometheus.NewRegistry()
	c, err := cache.New[item](rdb, reg, cache.Options{Name: "items", Prefix: prefix, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return c, reg
}

// deleteKeys removes only the keys this test wrote.
func deleteKeys(rdb *redis.Client, prefix string) {
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}

func count(t *testing.T, reg *prometheus.Registry, result string) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "cache_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["cache"] == "items" && labels["result"] == result {
				return int(m.GetCounter().GetValue())
			}
		}
	}
	return 0
}

func get(t *testing.T, c *cache.Cache[item], src *source) item {
	t.Helper()
	v, err := c.Get(context.Background(), "k", src.load)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return v
}

func TestReadThrough(t *testing.T) {
	t.Parallel()
	c, reg := newCache(t, "127.0.0.1:6379")
	src := &source{item: item{Name: "one", Version: 1}}
	if got := get(t, c, src); got != src.item {
		t.Fatalf("first Get = %+v", got)
	}
	if got := get(t, c, src); got != src.item || src.loads != 1 {
		t.Fatalf("second Get = %+v after %d loads, want a hit", got, src.loads)
	}
	if count(t, reg, "miss") != 1 || count(t, reg, "hit") != 1 {
		t.Fatalf("miss=%d hit=%d", count(t, reg, "miss"), count(t, reg, "hit"))
	}
}

func TestInvalidateServesTheNewVersion(t *testing.T) {
	t.Parallel()
	c, _ := newCache(t, "127.0.0.1:6379")
	src := &source{item: item{Name: "one", Version: 1}}
	get(t, c, src)
	src.item = item{Name: "two", Version: 2}
	c.Invalidate(context.Background(), "k", 2)
	if got := get(t, c, src); got.Name != "two" || src.loads != 2 {
		t.Fatalf("after invalidation Get = %+v (%d loads)", got, src.loads)
	}
	if got := get(t, c, src); got.Name != "two" || src.loads != 2 {
		t.Fatalf("new version not cached: %+v (%d loads)", got, src.loads)
	}
}

// TestSlowReaderCannotStoreAnOldVersion is the race the version check is
// for: a reader loads version 1, a writer commits version 2 and
// invalidates, then the reader tries to cache version 1.
func TestSlowReaderCannotStoreAnOldVersion(t *testing.T) {
	t.Parallel()
	c, _ := newCache(t, "127.0.0.1:6379")
	slow := func(ctx context.Context) (item, int64, error) {
		c.Invalidate(ctx, "k", 2) // the write commits while we "load"
		return item{Name: "old", Version: 1}, 1, nil
	}
	if _, err := c.Get(context.Background(), "k", slow); err != nil {
		t.Fatal(err)
	}
	src := &source{item: item{Name: "new", Version: 2}}
	if got := get(t, c, src); got.Name != "new" || src.loads != 1 {
		t.Fatalf("Get = %+v (%d loads): the stale version was cached", got, src.loads)
	}
}

func TestLoaderErrorIsReturnedAndNotCached(t *testing.T) {
	t.Parallel()
	c, _ := newCache(t, "127.0.0.1:6379")
	boom := errors.New("boom")
	_, err := c.Get(context.Background(), "k", func(context.Context) (item, int64, error) { return item{}, 0, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	src := &source{item: item{Name: "one", Version: 1}}
	if get(t, c, src); src.loads != 1 {
		t.Fatal("an error was cached")
	}
}

// TestRedisDownBypassesTheCache points the cache at a port nothing
// listens on: reads still work, quickly, and count as errors.
func TestRedisDownBypassesTheCache(t *testing.T) {
	t.Parallel()
	c, reg := newCache(t, "127.0.0.1:1")
	src := &source{item: item{Name: "one", Version: 1}}
	start := time.Now()
	for range 20 {
		if got := get(t, c, src); got != src.item {
			t.Fatalf("Get = %+v", got)
		}
		c.Invalidate(context.Background(), "k", 1)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("20 reads with Redis down took %v", d)
	}
	if src.loads != 20 || count(t, reg, "error") != 20 || count(t, reg, "hit") != 0 {
		t.Fatalf("loads=%d errors=%d", src.loads, count(t, reg, "error"))
	}
}

func TestCachesShareTheRegisterer(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	// Nobody listens there: each lookup is counted as an error.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	defer rdb.Close()
	for _, name := range []string{"a", "b"} {
		c, err := cache.New[item](rdb, reg, cache.Options{Name: name})
		if err != nil {
			t.Fatalf("cache %s: %v", name, err)
		}
		if _, err := c.Get(context.Background(), "k", (&source{}).load); err != nil {
			t.Fatalf("cache %s: %v", name, err)
		}
	}
	if n, err := testutil.GatherAndCount(reg, "cache_requests_total"); err != nil || n != 2 {
		t.Fatalf("cache_requests_total series: %d, %v; want one per cache", n, err)
	}
}

// outage is a go-redis hook that fails every command while down is set.
type outage struct{ down atomic.Bool }

func (o *outage) DialHook(next redis.DialHook) redis.DialHook { return next }

func (o *outage) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if o.down.Load() {
			err := errors.New("simulated outage")
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}

func (o *outage) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// TestInvalidationLostInAnOutageIsAppliedAfterwards: a change committed
// while Redis is down must not leave the old copy to be served once Redis
// is back.
func TestInvalidationLostInAnOutageIsAppliedAfterwards(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", MaxRetries: -1})
	defer rdb.Close()
	o := &outage{}
	rdb.AddHook(o)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	prefix := "zebratest:" + hex.EncodeToString(b) + ":"
	defer deleteKeys(rdb, prefix)
	c, err := cache.New[item](rdb, prometheus.NewRegistry(), cache.Options{Name: "items", Prefix: prefix, Backoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	src := &source{item: item{Name: "old", Version: 1}}
	get(t, c, src) // cached at version 1

	o.down.Store(true)
	src.item = item{Name: "new", Version: 2}
	c.Invalidate(context.Background(), "k", 2) // lost: Redis is down
	if got := get(t, c, src); got.Name != "new" {
		t.Fatalf("during the outage Get = %+v, want the source's", got)
	}

	o.down.Store(false)
	time.Sleep(20 * time.Millisecond) // past the backoff
	loads := src.loads
	if got := get(t, c, src); got.Name != "new" || src.loads != loads+1 {
		t.Fatalf("after the outage Get = %+v (%d loads): the old copy was served", got, src.loads-loads)
	}
	if got := get(t, c, src); got.Name != "new" || src.loads != loads+1 {
		t.Fatalf("the new version is not cached again: %+v", got)
	}
}
