package stream_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zebralabs/zebra/platform/id"
	"github.com/zebralabs/zebra/platform/redistest"
	"github.com/zebralabs/zebra/platform/stream"
)

func msg(eventID, typ string) stream.Message {
	return stream.Message{
		EventID: eventID, Type: typ, AggregateType: "activity", AggregateID: "a1",
		Payload: json.RawMessage(`{"title":"x"}`), RequestID: "r1",
		TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		OccurredAt:  time.Date(2026, 1, 2, 3, 4, 5, 6000000, time.UTC),
	}
}

func add(t *testing.T, c *redis.Client, key string, m stream.Message) string {
	t.Helper()
	entry, err := c.XAdd(context.Background(), &redis.XAddArgs{Stream: key, Values: m.Values()}).Result()
	require.NoError(t, err)
	return entry
}

// recorder is a handler that records what it saw and can fail on demand.
type recorder struct {
	mu   sync.Mutex
	seen []stream.Message
	fail map[string]bool
}

func (r *recorder) handle(_ context.Context, m stream.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, m)
	if r.fail[m.EventID] {
		return errors.New("handler failed")
	}
	return nil
}

func (r *recorder) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, m := range r.seen {
		out = append(out, m.EventID)
	}
	return out
}

func pending(t *testing.T, c *redis.Client, key, group string) int64 {
	t.Helper()
	p, err := c.XPending(context.Background(), key, group).Result()
	require.NoError(t, err)
	return p.Count
}

func TestMessageRoundTrip(t *testing.T) {
	t.Parallel()
	c, ks := redistest.New(t)
	key := stream.Name(ks, "activity")
	assert.Equal(t, ks.Prefix()+"events:activity", key)
	m := msg(id.New().String(), "activity.created")
	entry := add(t, c, key, m)
	res, err := c.XRange(context.Background(), key, "-", "+").Result()
	require.NoError(t, err)
	require.Len(t, res, 1)
	got, err := stream.Parse(res[0].ID, res[0].Values)
	require.NoError(t, err)
	m.StreamID = entry
	assert.Equal(t, m, got)

	_, err = stream.Parse("1-0", map[string]any{"type": "x"})
	assert.ErrorIs(t, err, stream.ErrMalformed)
	_, err = stream.Parse("1-0", map[string]any{"id": "1", "type": "x", "payload": "{"})
	assert.ErrorIs(t, err, stream.ErrMalformed)
}

func TestConsumerAcksAfterHandlingAndDeduplicates(t *testing.T) {
	t.Parallel()
	c, ks := redistest.New(t)
	key := stream.Name(ks, "activity")
	e1, e2 := id.New().String(), id.New().String()
	add(t, c, key, msg(e1, "activity.created"))
	add(t, c, key, msg(e2, "activity.updated"))
	add(t, c, key, msg(e1, "activity.created")) // the relay published e1 twice
	add(t, c, key, stream.Message{})            // not an event at all: dropped

	rec := &recorder{}
	cons := stream.NewConsumer(c, stream.Config{Stream: key, Group: "mailer", Block: 10 * time.Millisecond}, rec.handle)
	require.NoError(t, cons.RunOnce(context.Background()))
	assert.Equal(t, []string{e1, e2}, rec.ids())
	assert.Equal(t, int64(0), pending(t, c, key, "mailer"))

	// Another group sees every event too.
	other := &recorder{}
	require.NoError(t, stream.NewConsumer(c, stream.Config{Stream: key, Group: "search", Block: 10 * time.Millisecond}, other.handle).RunOnce(context.Background()))
	assert.Equal(t, []string{e1, e2}, other.ids())
}

func TestFailedAndOrphanedMessagesAreReclaimed(t *testing.T) {
	t.Parallel()
	c, ks := redistest.New(t)
	ctx := context.Background()
	key := stream.Name(ks, "user")
	failing, orphan := id.New().String(), id.New().String()
	add(t, c, key, msg(failing, "user.signed_up"))

	// First consumer: its handler fails, the message stays pending.
	first := &recorder{fail: map[string]bool{failing: true}}
	cfg := stream.Config{Stream: key, Group: "mailer", Consumer: "c1", Block: 10 * time.Millisecond, MinIdle: 50 * time.Millisecond}
	require.NoError(t, stream.NewConsumer(c, cfg, first.handle).RunOnce(ctx))
	assert.Equal(t, []string{failing}, first.ids())
	assert.Equal(t, int64(1), pending(t, c, key, "mailer"))

	// A consumer that read a message and died before acknowledging it.
	add(t, c, key, msg(orphan, "user.signed_up"))
	_, err := c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "mailer", Consumer: "dead", Streams: []string{key, ">"}, Count: 1}).Result()
	require.NoError(t, err)
	assert.Equal(t, int64(2), pending(t, c, key, "mailer"))

	// Too early: nothing is idle long enough to be taken over.
	second := &recorder{}
	cfg.Consumer = "c2"
	require.NoError(t, stream.NewConsumer(c, cfg, second.handle).RunOnce(ctx))
	assert.Empty(t, second.ids())

	time.Sleep(60 * time.Millisecond)
	require.NoError(t, stream.NewConsumer(c, cfg, second.handle).RunOnce(ctx))
	assert.ElementsMatch(t, []string{failing, orphan}, second.ids())
	assert.Equal(t, int64(0), pending(t, c, key, "mailer"))
}

func TestRunStopsWithItsContextAndReportsLag(t *testing.T) {
	t.Parallel()
	c, ks := redistest.New(t)
	key := stream.Name(ks, "activity")
	reg := prometheus.NewRegistry()
	metrics, err := stream.NewMetrics(reg)
	require.NoError(t, err)

	for range 3 {
		add(t, c, key, msg(id.New().String(), "activity.created"))
	}
	handled := make(chan string, 10)
	cons := stream.NewConsumer(c, stream.Config{Stream: key, Group: "g", Block: 50 * time.Millisecond},
		func(_ context.Context, m stream.Message) error { handled <- m.EventID; return nil },
		stream.WithMetrics(metrics))
	assert.Contains(t, cons.Name(), key)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cons.Run(ctx) }()
	for range 3 {
		select {
		case <-handled:
		case <-time.After(5 * time.Second):
			t.Fatal("message not handled")
		}
	}
	late := id.New().String()
	add(t, c, key, msg(late, "activity.updated"))
	select {
	case got := <-handled:
		assert.Equal(t, late, got)
	case <-time.After(5 * time.Second):
		t.Fatal("message added while running not handled")
	}
	// Observed, and nothing left: a gauge never set would not be gathered.
	lag := fmt.Sprintf(`
# HELP stream_consumer_lag Entries of the stream the consumer group has not handled yet: undelivered plus pending.
# TYPE stream_consumer_lag gauge
stream_consumer_lag{group="g",stream=%q} 0
`, key)
	require.Eventually(t, func() bool {
		return testutil.GatherAndCompare(reg, strings.NewReader(lag), "stream_consumer_lag") == nil
	}, 5*time.Second, 20*time.Millisecond)
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n        int
		min, max time.Duration
	}{
		{0, 50 * time.Millisecond, 100 * time.Millisecond},
		{1, 50 * time.Millisecond, 100 * time.Millisecond},
		{2, 100 * time.Millisecond, 200 * time.Millisecond},
		{4, 400 * time.Millisecond, 800 * time.Millisecond},
		{10, 500 * time.Millisecond, time.Second},
		{1000, 500 * time.Millisecond, time.Second},
	}
	for _, tt := range tests {
		for range 50 {
			d := stream.Backoff(tt.n, 100*time.Millisecond, time.Second)
			assert.GreaterOrEqual(t, d, tt.min, "n=%d", tt.n)
			assert.LessOrEqual(t, d, tt.max, "n=%d", tt.n)
		}
	}
}
