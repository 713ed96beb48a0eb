package cache_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/zebralabs/zebra/platform/cache"
)

func TestReplaceServesTheNewValueWithoutALoad(t *testing.T) {
	t.Parallel()
	c, _ := newCache(t, "127.0.0.1:6379")
	src := &source{item: item{Name: "one", Version: 1}}
	get(t, c, src)
	c.Replace(context.Background(), "k", item{Name: "two", Version: 2}, 2)
	if got := get(t, c, src); got.Name != "two" || src.loads != 1 {
		t.Fatalf("after Replace Get = %+v (%d loads), want two without a load", got, src.loads)
	}
}

// TestReplaceNeverGoesBack: after-commit hooks of two writers may run out
// of order; the older value must not win.
func TestReplaceNeverGoesBack(t *testing.T) {
	t.Parallel()
	c, _ := newCache(t, "127.0.0.1:6379")
	src := &source{item: item{Name: "three", Version: 3}}
	c.Replace(context.Background(), "k", item{Name: "three", Version: 3}, 3)
	c.Replace(context.Background(), "k", item{Name: "two", Version: 2}, 2)
	c.Invalidate(context.Background(), "k", 2)
	if got := get(t, c, src); got.Name != "three" || src.loads != 0 {
		t.Fatalf("Get = %+v (%d loads), want three from the cache", got, src.loads)
	}
}

// TestReplaceLostInAnOutageIsAnInvalidation: when Redis cannot take the
// new value, the old one must not be served once Redis is back.
func TestReplaceLostInAnOutageIsAnInvalidation(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
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
	get(t, c, src)

	o.down.Store(true)
	src.item = item{Name: "new", Version: 2}
	c.Replace(context.Background(), "k", src.item, 2) // lost
	o.down.Store(false)
	time.Sleep(20 * time.Millisecond) // past the backoff
	if got := get(t, c, src); got.Name != "new" {
		t.Fatalf("after the outage Get = %+v: the old copy was served", got)
	}
}
