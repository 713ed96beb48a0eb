package ratelimit_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/zebralabs/zebra/platform/ratelimit"
)

// BenchmarkAllow measures one decision: one EVALSHA round trip to Redis.
func BenchmarkAllow(b *testing.B) {
	rdb, prefix := newRedis(b)
	l := ratelimit.New(rdb, ratelimit.Options{Prefix: prefix})
	p := ratelimit.Bucket{Name: "bench", Limit: 1 << 30, Window: time.Second}
	ctx := context.Background()
	if _, err := l.Allow(ctx, p, "warm-up"); err != nil { // loads the script
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if _, err := l.Allow(ctx, p, "user:"+strconv.Itoa(i%64)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
