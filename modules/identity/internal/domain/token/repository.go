package token

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// RefreshRepository stores refresh-token families. ByHash locks the
// family row for the rest of the unit of work, which is what makes two
// concurrent refreshes with one token strict: the second waits, then sees
// the token spent.
type RefreshRepository interface {
	AddFamily(ctx context.Context, f *Family, first *Refresh) error
	ByHash(ctx context.Context, h Hash) (*Family, *Refresh, error)
	// SaveRotation writes the spent token, the family state and, when not
	// nil, the successor.
	SaveRotation(ctx context.Context, f *Family, spent *Refresh, next *Refresh) error
	SaveFamily(ctx context.Context, f *Family) error
	// RevokeAll revokes every live family of a user and returns how many.
	RevokeAll(ctx context.Context, userID uuid.UUID, reason string, now time.Time) (int, error)
}

// OneTimeRepository stores one-time tokens. ByHash locks the token row.
type OneTimeRepository interface {
	AddOneTime(ctx context.Context, t *OneTime) error
	OneTimeByHash(ctx context.Context, purpose Purpose, h Hash) (*OneTime, error)
	SaveOneTime(ctx context.Context, t *OneTime) error
	// SpendAll marks every unused token of that purpose of a user as used,
	// so an older mailed link dies with the newer one.
	SpendAll(ctx context.Context, userID uuid.UUID, purpose Purpose, now time.Time) error
}
