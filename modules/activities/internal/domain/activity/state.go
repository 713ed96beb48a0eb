package activity

import (
	"time"

	"github.com/google/uuid"
)

// State is every field of an activity as it is stored. Adapters read it
// with (*Activity).State and give it back to Rebuild; nothing else should
// build one.
type State struct {
	ID          uuid.UUID
	OwnerID     uuid.UUID
	Title       string
	Description *string
	Status      Status
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CreatedBy   uuid.UUID
	UpdatedBy   uuid.UUID
	Version     int
	DeletedAt   *time.Time
}

// Rebuild returns the activity that s describes, as loaded from storage.
// It trusts s (storage only holds activities that New and Change
// accepted) and records no event.
func Rebuild(s State) *Activity {
	a := &Activity{s: s}
	a.s.Description = clone(s.Description)
	return a
}
