// Package stream carries domain events over Redis Streams. The outbox
// relay writes one entry per event with Message.Values to the stream of
// the event's aggregate type (Name); a Consumer reads a stream as a member
// of a consumer group, acknowledges an entry only after its handler
// succeeded, takes over entries a dead consumer left pending (XAUTOCLAIM)
// and skips events its group already handled (de-duplication by event id),
// so handlers see every event at least once and, in the normal case, once.
//
// A module consumes events by contributing a consumer as a background job
// (platform.Module provides the client, the keyspace and *Metrics):
//
//	fx.Provide(background.AsJob(func(rdb *redis.Client, ks redisdb.Keyspace, m *stream.Metrics, log *zap.Logger) *stream.Consumer {
//		return stream.NewConsumer(rdb, stream.Config{Stream: stream.Name(ks, "user"), Group: "mailer"},
//			mailer.Handle, stream.WithMetrics(m), stream.WithLogger(log))
//	}))
//
// The handler switches on Message.Type and ignores the types it does not
// handle (returning nil acknowledges them).
//
// Hand-written rather than watermill-redisstream: that library brings its
// own entry format (the relay's fields would change for every reader) and
// has no per-group de-duplication by event id nor the lag gauge.
package stream

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/zebralabs/zebra/platform/redisdb"
)

// Name is the stream key of an aggregate type under the Redis keyspace:
// one stream per aggregate type (e.g. "zebra:events:order"), so every
// event of one aggregate is on one stream, in order. See
// docs/adr/0002-outbox-streams.md.
func Name(ks redisdb.Keyspace, aggregateType string) string {
	return ks.Key("events", aggregateType)
}

// The field names of a stream entry.
const (
	FieldEventID       = "id"
	FieldType          = "type"
	FieldAggregateType = "aggregateType"
	FieldAggregateID   = "aggregateId"
	FieldPayload       = "payload"
	FieldRequestID     = "requestId"
	FieldTraceParent   = "traceparent"
	FieldTraceState    = "tracestate"
	FieldOccurredAt    = "occurredAt"
)

// Message is one event on a stream.
type Message struct {
	// StreamID is the entry id Redis assigned ("1700000000000-0"); set on
	// read, ignored on write.
	StreamID string
	// EventID is the outbox event id (a UUIDv7); consumers de-duplicate by it.
	EventID       string
	Type          string
	AggregateType string
	AggregateID   string
	// Payload is the event's JSON document.
	Payload json.RawMessage
	// RequestID is the id of the request that caused the event.
	RequestID string
	// TraceParent and TraceState are the W3C trace context of the span
	// that wrote the event, to link the consumer's span to it.
	TraceParent string
	TraceState  string
	OccurredAt  time.Time
}

// Values returns the entry's fields for XADD.
func (m Message) Values() map[string]any {
	return map[string]any{
		FieldEventID:       m.EventID,
		FieldType:          m.Type,
		FieldAggregateType: m.AggregateType,
		FieldAggregateID:   m.AggregateID,
		FieldPayload:       string(m.Payload),
		FieldRequestID:     m.RequestID,
		FieldTraceParent:   m.TraceParent,
		FieldTraceState:    m.TraceState,
		FieldOccurredAt:    m.OccurredAt.UTC().Format(time.RFC3339Nano),
	}
}

// ErrMalformed is wrapped by Parse for entries that are not events.
var ErrMalformed = errors.New("malformed stream entry")

// Parse reads an entry written with Values.
func Parse(streamID string, values map[string]any) (Message, error) {
	str := func(k string) string {
		s, _ := values[k].(string)
		return s
	}
	m := Message{
		StreamID:      streamID,
		EventID:       str(FieldEventID),
		Type:          str(FieldType),
		AggregateType: str(FieldAggregateType),
		AggregateID:   str(FieldAggregateID),
		RequestID:     str(FieldRequestID),
		TraceParent:   str(FieldTraceParent),
		TraceState:    str(FieldTraceState),
	}
	if m.EventID == "" || m.Type == "" {
		return m, fmt.Errorf("%w %s: no %s or %s", ErrMalformed, streamID, FieldEventID, FieldType)
	}
	payload := str(FieldPayload)
	if payload != "" {
		if !json.Valid([]byte(payload)) {
			return m, fmt.Errorf("%w %s: payload is not JSON", ErrMalformed, streamID)
		}
		m.Payload = json.RawMessage(payload)
	}
	if at := str(FieldOccurredAt); at != "" {
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			return m, fmt.Errorf("%w %s: %s: %w", ErrMalformed, streamID, FieldOccurredAt, err)
		}
		m.OccurredAt = t
	}
	return m, nil
}
