package user

import (
	"context"

	"github.com/google/uuid"
)

// Repository stores users. Update loads the user, lets fn change it and
// writes it back only if its version is still the one read, so concurrent
// writers cannot overwrite each other. accepted are the versions the
// client's If-Match names (ErrStaleVersion when the user is at none of
// them); nil accepts the version read, for internal commands.
type Repository interface {
	Add(ctx context.Context, u *User) error
	Get(ctx context.Context, id uuid.UUID) (*User, error)
	ByEmail(ctx context.Context, email Email) (*User, error)
	Update(ctx context.Context, id uuid.UUID, accepted []int, fn func(u *User) error) (*User, error)
}

// ExternalIdentities links users to the subject of an external OpenID
// Connect issuer, so a token of that issuer maps to exactly one user.
type ExternalIdentities interface {
	// UserByExternal returns the user linked to issuer+subject, or ErrNotFound.
	UserByExternal(ctx context.Context, issuer, subject string) (*User, error)
	// Link records the link; a second link of the same issuer+subject is
	// ErrExternalLinked.
	Link(ctx context.Context, issuer, subject string, userID uuid.UUID) error
}
