// Package query holds the audit context's read use cases, one per file,
// and the read-model ports they use.
package query

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// EventView is an audit event as the list shows it.
type EventView struct {
	ID         uuid.UUID
	OccurredAt time.Time
	Actor      string
	Action     string
	EntityType string
	EntityID   string
	RequestID  string
	// Before, After and Metadata are JSON documents, nil when absent.
	Before   json.RawMessage
	After    json.RawMessage
	Metadata json.RawMessage
}
