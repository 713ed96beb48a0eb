// Package auditlog is the port through which every module records what it
// changed. One module stores the events (it contributes its Recorder with
// AsRecorder); the others depend on this package only, never on that
// module. Without such a module the platform records to the structured
// log instead, and refuses to start with APP_ENV=prod.
package auditlog

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// SystemActor is the actor of events not caused by an authenticated user.
const SystemActor = "system"

// Event describes one change. Record fills ID, OccurredAt and RequestID
// when they are zero, and strips sensitive keys from Before, After and
// Metadata at any depth before writing.
type Event struct {
	ID         uuid.UUID
	OccurredAt time.Time
	// Actor is a user id, or SystemActor.
	Actor string
	// Action is "<entity>.<past-tense verb>", e.g. "order.created".
	Action     string
	EntityType string
	EntityID   string
	RequestID  string
	// Before and After are JSON-marshalable snapshots; nil means none.
	Before   any
	After    any
	Metadata map[string]any
}

// Recorder writes audit-log events inside the unit of work of ctx, so an
// event commits or rolls back with the change it describes. Outside a unit
// of work it writes in a transaction of its own.
type Recorder interface {
	Record(ctx context.Context, e Event) error
}
