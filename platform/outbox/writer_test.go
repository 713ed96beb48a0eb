package outbox_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/zebralabs/zebra/platform/id"
	"github.com/zebralabs/zebra/platform/outbox"
	"github.com/zebralabs/zebra/platform/requestid"
)

func TestPublishWritesInTheUnitOfWork(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	span := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
	ctx := trace.ContextWithSpanContext(requestid.With(context.Background(), "req-7"), span)
	evID := id.New()

	boom := errors.New("command failed after writing")
	err := e.uow.Do(ctx, func(ctx context.Context) error {
		require.NoError(t, e.writer.Publish(ctx, outbox.Event{AggregateType: "activity", AggregateID: "a1", Type: "activity.created", Payload: map[string]string{"t": "x"}}))
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, 0, e.count(t, "true"))
	select {
	case <-e.signal.C():
		t.Fatal("a rolled-back publish woke the relay")
	default:
	}

	require.NoError(t, e.uow.Do(ctx, func(ctx context.Context) error {
		return e.writer.Publish(ctx,
			outbox.Event{ID: evID, AggregateType: "activity", AggregateID: "a1", Type: "activity.created", Payload: map[string]string{"t": "x"}},
			outbox.Event{AggregateType: "activity", AggregateID: "a1", Type: "activity.updated", Payload: nil})
	}))
	select {
	case <-e.signal.C():
	default:
		t.Fatal("commit did not wake the relay")
	}
	var rows []struct {
		ID          string
		RequestID   string
		Traceparent string
		Payload     string
		Attempts    int
	}
	require.NoError(t, e.db.Raw("SELECT id, request_id, traceparent, payload::text AS payload, attempts FROM platform.outbox ORDER BY seq").Scan(&rows).Error)
	require.Len(t, rows, 2)
	assert.Equal(t, evID.String(), rows[0].ID)
	assert.Equal(t, "req-7", rows[0].RequestID)
	assert.Equal(t, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", rows[0].Traceparent)
	assert.JSONEq(t, `{"t":"x"}`, rows[0].Payload)
	assert.Equal(t, "null", rows[1].Payload)
	assert.NotEmpty(t, rows[1].ID)
}

func TestPublishRejectsBadEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	assert.Error(t, e.writer.Publish(ctx, outbox.Event{AggregateType: "Bad Type", Type: "x"}))
	assert.Error(t, e.writer.Publish(ctx, outbox.Event{AggregateType: "activity"}))
	assert.Error(t, e.writer.Publish(ctx, outbox.Event{AggregateType: "activity", Type: "x", Payload: make(chan int)}))
	assert.Equal(t, 0, e.count(t, "true"))
}
