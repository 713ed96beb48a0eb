package token

import (
	"time"

	"github.com/google/uuid"
)

// Revocation reasons, stored with the family for investigations.
const (
	ReasonLogout        = "logout"
	ReasonReuse         = "reuse"
	ReasonPasswordReset = "password_reset"
	ReasonDeactivated   = "deactivated"
)

// Family is every refresh token descended from one login. Revoking it
// ends the session on all of them at once.
type Family struct {
	ID           uuid.UUID
	UserID       uuid.UUID
	CreatedAt    time.Time
	RevokedAt    *time.Time
	RevokeReason string
}

// Refresh is one refresh token of a family.
type Refresh struct {
	ID        uuid.UUID
	FamilyID  uuid.UUID
	UserID    uuid.UUID
	Hash      Hash
	IssuedAt  time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// Issued is a refresh token as handed to a client: the secret appears here
// once and nowhere else.
type Issued struct {
	Token  *Refresh
	Secret string
}

// StartFamily begins a family for a login and issues its first token.
func StartFamily(familyID, tokenID, userID uuid.UUID, now time.Time, ttl time.Duration) (*Family, Issued) {
	f := &Family{ID: familyID, UserID: userID, CreatedAt: now.UTC()}
	return f, f.issue(tokenID, now, ttl)
}

// Revoked reports whether the family is revoked.
func (f *Family) Revoked() bool { return f.RevokedAt != nil }

// Revoke revokes the family; revoking twice keeps the first reason.
func (f *Family) Revoke(reason string, now time.Time) bool {
	if f.RevokedAt != nil {
		return false
	}
	t := now.UTC()
	f.RevokedAt = &t
	f.RevokeReason = reason
	return true
}

// Rotate spends t and issues its successor. The order of the checks is the
// security rule: a spent token revokes the family even when it has also
// expired or the family was already revoked by something else, so reuse is
// always detected and reported.
func (f *Family) Rotate(t *Refresh, nextID uuid.UUID, now time.Time, ttl time.Duration) (Issued, error) {
	if t.FamilyID != f.ID {
		return Issued{}, ErrInvalid
	}
	if t.UsedAt != nil {
		f.Revoke(ReasonReuse, now)
		return Issued{}, ErrReused
	}
	if f.Revoked() {
		return Issued{}, ErrRevoked
	}
	if !now.Before(t.ExpiresAt) {
		return Issued{}, ErrExpired
	}
	used := now.UTC()
	t.UsedAt = &used
	return f.issue(nextID, now, ttl), nil
}

func (f *Family) issue(id uuid.UUID, now time.Time, ttl time.Duration) Issued {
	secret, hash := NewSecret()
	return Issued{
		Secret: secret,
		Token: &Refresh{
			ID: id, FamilyID: f.ID, UserID: f.UserID, Hash: hash,
			IssuedAt: now.UTC(), ExpiresAt: now.UTC().Add(ttl),
		},
	}
}
