package ratelimit_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/zebralabs/zebra/platform/ratelimit"
	"github.com/zebralabs/zebra/platform/redistest"
)

// BenchmarkAllow measures one decision: one EVALSHA round trip to Redis.
func BenchmarkAllow(b *testing.B) {
	rdb, ks := redistest.New(b)
	l := ratelimit.New(rdb, ratelimit.Options{Prefix: ks.Prefix()})
	p := ratelimit.Policy{Name: "bench", Rate: 1 << 30, Window: time.Second}
	ctx := context.Background()
	if err := l.Load(ctx); err != nil {
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
