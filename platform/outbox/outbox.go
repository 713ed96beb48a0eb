// Package outbox implements the transactional outbox: Publish writes an
// event row inside the unit of work of the command that caused it, and the
// Relay moves committed rows to Redis Streams, so an event is published if
// and only if its change committed, at least once, in order per aggregate.
package outbox

import (
	"context"

	"github.com/google/uuid"
)

// Event is one domain event to publish.
type Event struct {
	// ID is filled with a UUIDv7 when zero; consumers de-duplicate by it.
	ID uuid.UUID
	// AggregateType names the bounded context's aggregate, e.g. "order";
	// it also selects the stream.
	AggregateType string
	AggregateID   string
	// Type is "<aggregate>.<past-tense verb>", e.g. "order.created".
	Type string
	// Payload is marshalled to JSON.
	Payload any
}

// Publisher writes events inside the unit of work of ctx. Modules depend on
// this interface; the platform provides the implementation.
type Publisher interface {
	Publish(ctx context.Context, events ...Event) error
}
