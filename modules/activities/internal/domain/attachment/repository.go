package attachment

import (
	"context"

	"github.com/google/uuid"
)

// Parent is what the attachment commands need of the activity an
// attachment belongs to.
type Parent struct {
	ID      uuid.UUID
	OwnerID uuid.UUID
}

// Repository stores attachments; the postgres package implements it.
type Repository interface {
	// LockParent returns the live activity id and holds a share lock on
	// it until the unit of work ends, so that it cannot be deleted while
	// an attachment is added to it (a deletion waits, then deletes the new
	// attachment too). ErrNotFound for an unknown or deleted activity.
	LockParent(ctx context.Context, activity uuid.UUID) (Parent, error)
	// Add stores a new attachment.
	Add(ctx context.Context, a *Attachment) error
	// Update loads attachment id of activity, lets fn change it and saves
	// the result if nobody saved another version in between
	// (ErrVersionMismatch otherwise). When fn deletes it, the row is
	// deleted. ErrNotFound for an unknown id; fn's error as is.
	Update(ctx context.Context, activity, id uuid.UUID, fn func(a *Attachment) error) error
	// DeleteAll deletes every attachment of activity and returns them as
	// they were, for the journal.
	DeleteAll(ctx context.Context, activity uuid.UUID) ([]*Attachment, error)
}
