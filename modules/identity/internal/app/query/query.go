// Package query holds the identity context's read use cases: views of
// users shaped for the API, read straight from storage through ReadModel
// without loading aggregates.
package query

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// User is the read view of a user: what docs/api.md's user object shows, and
// never a password hash or a token.
type User struct {
	ID            uuid.UUID
	Email         *string
	DisplayName   *string
	Roles         []string
	EmailVerified bool
	Active        bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int
}

// ReadModel reads user views. User returns user.ErrNotFound for an
// unknown id; Users returns up to limit users older than before (all
// when nil), newest first.
type ReadModel interface {
	User(ctx context.Context, id uuid.UUID) (User, error)
	Users(ctx context.Context, before *uuid.UUID, limit int) ([]User, error)
}
