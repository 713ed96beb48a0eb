package outbox_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/zebralabs/zebra/platform/outbox"
	"github.com/zebralabs/zebra/platform/stream"
)

// BenchmarkRelayEndToEnd measures events per second from commit to
// consumer: 4 writers commit one event per transaction (as commands do)
// while a relay, woken after each commit, moves them to the stream and a
// reader counts them off it. Run it alone, it loads the machine:
//
//	go test ./platform/outbox -run '^$' -bench RelayEndToEnd -benchtime 20000x
func BenchmarkRelayEndToEnd(b *testing.B) {
	e := newBenchEnv(b)
	r := outbox.NewRelay(e.db, e.rdb, e.ks, outbox.Options{BatchSize: 100, PollInterval: 50 * time.Millisecond}, e.signal, outbox.NopMetrics(), nopLog)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = r.Run(ctx) }()

	key := stream.Name(e.ks, "bench")
	var read atomic.Int64
	readerDone := make(chan struct{})
	b.ResetTimer()
	start := time.Now()
	go func() {
		defer close(readerDone)
		last := "0"
		for read.Load() < int64(b.N) {
			res, err := e.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{key, last}, Count: 1000, Block: time.Second}).Result()
			if err != nil {
				continue
			}
			for _, s := range res {
				read.Add(int64(len(s.Messages)))
				last = s.Messages[len(s.Messages)-1].ID
			}
		}
	}()
	const writers = 4
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < b.N; i += writers {
				if err := e.uow.Do(ctx, func(ctx context.Context) error {
					return e.writer.Publish(ctx, outbox.Event{AggregateType: "bench", AggregateID: fmt.Sprint(i % 64), Type: "bench.happened", Payload: map[string]int{"i": i}})
				}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	<-readerDone
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}

// BenchmarkRelayDrain measures the relay alone: how fast one relay
// empties a backlog (Redis was down, say) with batches of 100.
func BenchmarkRelayDrain(b *testing.B) {
	e := newBenchEnv(b)
	if err := e.db.Exec(`INSERT INTO platform.outbox (id, aggregate_type, aggregate_id, event_type, payload)
		SELECT gen_random_uuid(), 'bench', (g % 64)::text, 'bench.happened', jsonb_build_object('i', g)
		FROM generate_series(1, ?) g`, b.N).Error; err != nil {
		b.Fatal(err)
	}
	r := outbox.NewRelay(e.db, e.rdb, e.ks, outbox.Options{BatchSize: 100}, e.signal, outbox.NopMetrics(), nopLog)
	b.ResetTimer()
	start := time.Now()
	total := 0
	for total < b.N {
		n, err := r.RunOnce(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		total += n
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}

// BenchmarkWriteOnly is the writers of BenchmarkRelayEndToEnd without a
// relay: the bound that the end-to-end figure is compared with.
func BenchmarkWriteOnly(b *testing.B) {
	e := newBenchEnv(b)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	const writers = 4
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < b.N; i += writers {
				if err := e.uow.Do(ctx, func(ctx context.Context) error {
					return e.writer.Publish(ctx, outbox.Event{AggregateType: "bench", AggregateID: fmt.Sprint(i % 64), Type: "bench.happened", Payload: map[string]int{"i": i}})
				}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}
