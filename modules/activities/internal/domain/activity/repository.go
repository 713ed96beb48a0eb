package activity

import (
	"context"

	"github.com/google/uuid"
)

// Repository stores activities. The application layer declares what it
// needs here and the postgres package implements it; an in-memory fake
// passes the same contract tests.
type Repository interface {
	// Add stores a new activity.
	Add(ctx context.Context, a *Activity) error
	// Update loads the activity id, lets fn change it, and saves the result
	// only if nobody else saved a new version in between (the version is
	// checked in the UPDATE's WHERE clause): the loser gets
	// ErrVersionMismatch and nothing changes. It returns ErrNotFound for an
	// unknown or deleted id, and fn's error as is. When fn changes nothing
	// (no new event), nothing is written.
	Update(ctx context.Context, id uuid.UUID, fn func(a *Activity) error) error
}
