package outbox_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/outbox"
	"github.com/zebralabs/zebra/platform/stream"
)

func ev(aggType, aggID, typ string, n int) outbox.Event {
	return outbox.Event{AggregateType: aggType, AggregateID: aggID, Type: typ, Payload: map[string]int{"n": n}}
}

// payloadN reads back the "n" of ev's payload.
func payloadN(t *testing.T, m stream.Message) int {
	t.Helper()
	var p struct{ N int }
	require.NoError(t, jsonUnmarshal(m.Payload, &p))
	return p.N
}

func TestRelayPublishesAndMarks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reg := prometheus.NewRegistry()
	metrics, err := outbox.NewMetrics(reg, e.db)
	require.NoError(t, err)
	r := outbox.NewRelay(e.db, e.rdb, e.ks, outbox.Options{}, e.signal, metrics, zap.NewNop())
	assert.Equal(t, "outbox-relay", r.Name())

	e.publish(t, ev("activity", "a1", "activity.created", 1), ev("user", "u1", "user.signed_up", 2), ev("activity", "a1", "activity.updated", 3))
	require.NoError(t, testutil.GatherAndCompare(reg, stringsReader(`
# HELP outbox_backlog Outbox events waiting to be published (not published, not dead).
# TYPE outbox_backlog gauge
outbox_backlog 3
`), "outbox_backlog"))
	age := gauge(t, reg, "outbox_oldest_unpublished_age_seconds")
	assert.GreaterOrEqual(t, age, 0.0)

	n, err := r.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	acts := e.entries(t, "activity")
	require.Len(t, acts, 2)
	assert.Equal(t, []int{1, 3}, []int{payloadN(t, acts[0]), payloadN(t, acts[1])})
	assert.Equal(t, "activity.created", acts[0].Type)
	assert.Equal(t, "a1", acts[0].AggregateID)
	assert.False(t, acts[0].OccurredAt.IsZero())
	assert.Len(t, e.entries(t, "user"), 1)
	assert.Equal(t, 3, e.count(t, "published_at IS NOT NULL"))
	assert.Equal(t, 3.0, gauge(t, reg, "outbox_published_total"))
	assert.Equal(t, 0.0, gauge(t, reg, "outbox_backlog"))
	assert.Equal(t, 0.0, gauge(t, reg, "outbox_oldest_unpublished_age_seconds"))

	n, err = r.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 0, n)
}

func TestRelayKeepsPerAggregateOrderBehindRetries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.relay(t, e.rdb, outbox.Options{})
	e.publish(t, ev("activity", "x", "activity.created", 1), ev("activity", "x", "activity.updated", 2), ev("activity", "y", "activity.created", 3))
	// The first event of x waits for a retry: x's second event must wait too.
	require.NoError(t, e.db.Exec(`UPDATE platform.outbox SET attempts = 1, next_attempt_at = now() + interval '1 hour'
		WHERE event_type = 'activity.created' AND aggregate_id = 'x'`).Error)
	n, err := r.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	got := e.entries(t, "activity")
	require.Len(t, got, 1)
	assert.Equal(t, "y", got[0].AggregateID)

	require.NoError(t, e.db.Exec(`UPDATE platform.outbox SET next_attempt_at = now()`).Error)
	n, err = r.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	got = e.entries(t, "activity")
	require.Len(t, got, 3)
	assert.Equal(t, []int{3, 1, 2}, []int{payloadN(t, got[0]), payloadN(t, got[1]), payloadN(t, got[2])})
}

func TestRelayKilledBetweenClaimAndMarkLosesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const events = 30
	for i := range events {
		e.publish(t, ev("activity", fmt.Sprint(i%3), "activity.updated", i))
	}

	// The first relay runs in the background and dies right after its
	// first XADD pipeline, before marking anything.
	first := e.relay(t, e.rdb, outbox.Options{BatchSize: 10, PollInterval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	crashed := make(chan struct{})
	outbox.SetAfterPublish(first, func(context.Context) error {
		cancel()
		close(crashed)
		return errCrash
	})
	done := make(chan error, 1)
	go func() { done <- first.Run(ctx) }()
	<-crashed
	require.NoError(t, <-done)
	assert.Equal(t, events, e.count(t, "published_at IS NULL"), "the crashed round marked nothing")
	assert.Len(t, e.entries(t, "activity"), 10, "the crashed round had sent its batch")

	// Another relay takes over: every event reaches the stream.
	second := e.relay(t, e.rdb, outbox.Options{BatchSize: 10})
	for {
		n, err := second.RunOnce(context.Background())
		require.NoError(t, err)
		if n == 0 {
			break
		}
	}
	assert.Equal(t, 0, e.count(t, "published_at IS NULL"))
	seen := map[int]int{}
	for _, m := range e.entries(t, "activity") {
		seen[payloadN(t, m)]++
	}
	for i := range events {
		assert.GreaterOrEqual(t, seen[i], 1, "event %d lost", i)
	}
	assert.Len(t, e.entries(t, "activity"), events+10, "exactly the crashed batch was sent twice")
}

func TestTwoRelaysPublishEachEventOnceInAggregateOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const aggregates, perAggregate = 8, 25
	relays := []*outbox.Relay{
		e.relay(t, e.rdb, outbox.Options{BatchSize: 7, PollInterval: 20 * time.Millisecond}),
		e.relay(t, e.rdb, outbox.Options{BatchSize: 7, PollInterval: 20 * time.Millisecond}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, r := range relays {
		wg.Add(1)
		go func() { defer wg.Done(); _ = r.Run(ctx) }()
	}
	// Writers commit while the relays run.
	var writers sync.WaitGroup
	for a := range aggregates {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := range perAggregate {
				e.publish(t, ev("activity", fmt.Sprint(a), "activity.updated", i))
			}
		}()
	}
	writers.Wait()
	require.Eventually(t, func() bool { return e.count(t, "published_at IS NULL") == 0 }, 30*time.Second, 20*time.Millisecond)
	cancel()
	wg.Wait()

	got := e.entries(t, "activity")
	assert.Len(t, got, aggregates*perAggregate, "each event exactly once")
	ids := map[string]bool{}
	last := map[string]int{}
	for _, m := range got {
		assert.False(t, ids[m.EventID], "duplicate %s", m.EventID)
		ids[m.EventID] = true
		n := payloadN(t, m)
		prev, ok := last[m.AggregateID]
		if ok {
			assert.Equal(t, prev+1, n, "aggregate %s out of order", m.AggregateID)
		}
		last[m.AggregateID] = n
	}
}

func TestBacklogDrainsWhenRedisReturns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := newProxy(t, redisAddr(t))
	reg := prometheus.NewRegistry()
	metrics, err := outbox.NewMetrics(reg, e.db)
	require.NoError(t, err)
	r := outbox.NewRelay(e.db, redisThrough(t, p.addr), e.ks, outbox.Options{PollInterval: 50 * time.Millisecond, ListenURL: e.url}, e.signal, metrics, zap.NewNop())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	e.publish(t, ev("activity", "a", "activity.created", 0))
	require.Eventually(t, func() bool { return e.count(t, "published_at IS NOT NULL") == 1 }, 5*time.Second, 10*time.Millisecond)

	p.cut()
	for i := 1; i <= 20; i++ {
		e.publish(t, ev("activity", "a", "activity.updated", i))
	}
	require.Eventually(t, func() bool { return gauge(t, reg, "outbox_publish_failures_total") > 0 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, 20, e.count(t, "published_at IS NULL AND dead_at IS NULL AND attempts = 0"),
		"an outage costs no attempts and parks nothing")
	assert.Equal(t, 20.0, gauge(t, reg, "outbox_backlog"))

	p.restore(t)
	require.Eventually(t, func() bool { return e.count(t, "published_at IS NULL") == 0 }, 40*time.Second, 20*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	got := e.entries(t, "activity")
	require.Len(t, got, 21)
	for i, m := range got {
		assert.Equal(t, i, payloadN(t, m))
	}
}

func TestRelayWakesPromptlyAfterCommit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// This process's relay, woken by the after-commit signal; and a relay
	// of "another process" (its own signal), woken by NOTIFY.
	local := e.relay(t, e.rdb, outbox.Options{PollInterval: time.Hour})
	remote := outbox.NewRelay(e.db, e.rdb, e.ks, outbox.Options{PollInterval: time.Hour, ListenURL: e.url}, outbox.NewSignal(), outbox.NopMetrics(), zap.NewNop())
	tests := []struct {
		name  string
		relay *outbox.Relay
	}{{"after-commit signal", local}, {"LISTEN/NOTIFY", remote}}
	for _, tt := range tests {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- tt.relay.Run(ctx) }()
		time.Sleep(300 * time.Millisecond) // let it go idle (and LISTEN)
		before := e.count(t, "published_at IS NOT NULL")
		start := time.Now()
		e.publish(t, ev("activity", tt.name, "activity.created", 1))
		require.Eventually(t, func() bool { return e.count(t, "published_at IS NOT NULL") == before+1 }, 5*time.Second, 5*time.Millisecond, tt.name)
		assert.Less(t, time.Since(start), 2*time.Second, tt.name)
		cancel()
		require.NoError(t, <-done)
	}
}

func TestFailingEventsGoDeadAndCanBeRequeued(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reg := prometheus.NewRegistry()
	metrics, err := outbox.NewMetrics(reg, e.db)
	require.NoError(t, err)
	r := outbox.NewRelay(e.db, e.rdb, e.ks, outbox.Options{MaxAttempts: 3, RetryBase: time.Millisecond, RetryMax: 2 * time.Millisecond}, e.signal, metrics, zap.NewNop())
	ctx := context.Background()
	// A key of the wrong type where the stream should be: Redis refuses XADD.
	require.NoError(t, e.rdb.Set(ctx, stream.Name(e.ks, "invoice"), "not a stream", 0).Err())
	e.publish(t, ev("invoice", "i1", "invoice.created", 1), ev("invoice", "i1", "invoice.paid", 2), ev("activity", "a1", "activity.created", 3))

	for range 10 {
		_, err := r.RunOnce(ctx)
		require.NoError(t, err)
		time.Sleep(5 * time.Millisecond)
	}
	assert.Len(t, e.entries(t, "activity"), 1, "other aggregates are not held up")
	assert.Equal(t, 1, e.count(t, "dead_at IS NOT NULL AND attempts = 3 AND last_error LIKE '%WRONGTYPE%'"))
	assert.Equal(t, 1, e.count(t, "event_type = 'invoice.paid' AND published_at IS NULL AND dead_at IS NULL AND attempts = 0"),
		"a later event of a dead event's aggregate waits")
	assert.Equal(t, 1.0, gauge(t, reg, "outbox_dead_total"))
	assert.Equal(t, 3.0, gauge(t, reg, "outbox_publish_failures_total"))

	admin := outbox.NewAdmin(e.db)
	dead, err := admin.List(ctx, outbox.StateDead, 10)
	require.NoError(t, err)
	require.Len(t, dead, 1)
	assert.Equal(t, "invoice.created", dead[0].Type)
	assert.NotNil(t, dead[0].DeadAt)
	pending, err := admin.List(ctx, outbox.StatePending, 10)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	assert.Equal(t, "invoice.paid", pending[0].Type)
	_, err = admin.List(ctx, "bogus", 10)
	assert.Error(t, err)

	// The operator fixes the cause and requeues.
	require.NoError(t, e.rdb.Del(ctx, stream.Name(e.ks, "invoice")).Err())
	assert.ErrorIs(t, admin.Requeue(ctx, e.anyPublishedID(t)), outbox.ErrNotRequeueable)
	require.NoError(t, admin.Requeue(ctx, dead[0].ID))
	n, err := admin.RequeueAllDead(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(0), n)
	for range 3 {
		_, err := r.RunOnce(ctx)
		require.NoError(t, err)
	}
	got := e.entries(t, "invoice")
	require.Len(t, got, 2)
	assert.Equal(t, []string{"invoice.created", "invoice.paid"}, []string{got[0].Type, got[1].Type})
}

func TestRequeueAllDead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publish(t, ev("activity", "a", "activity.created", 1), ev("activity", "b", "activity.created", 2))
	require.NoError(t, e.db.Exec("UPDATE platform.outbox SET dead_at = now(), attempts = 10").Error)
	n, err := outbox.NewAdmin(e.db).RequeueAllDead(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int64(2), n)
	assert.Equal(t, 2, e.count(t, "dead_at IS NULL AND attempts = 0"))
}

func TestPruneKeepsUnpublishedAndRecentRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.relay(t, e.rdb, outbox.Options{Retention: time.Hour})
	e.publish(t, ev("activity", "old", "activity.created", 1), ev("activity", "recent", "activity.created", 2), ev("activity", "pending", "activity.created", 3))
	require.NoError(t, e.db.Exec("UPDATE platform.outbox SET published_at = now() - interval '2 hours' WHERE aggregate_id = 'old'").Error)
	require.NoError(t, e.db.Exec("UPDATE platform.outbox SET published_at = now() - interval '10 minutes' WHERE aggregate_id = 'recent'").Error)
	n, err := r.Prune(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
	var left []string
	require.NoError(t, e.db.Raw("SELECT aggregate_id FROM platform.outbox ORDER BY seq").Scan(&left).Error)
	assert.Equal(t, []string{"recent", "pending"}, left)
}
