package token

import (
	"time"

	"github.com/google/uuid"
)

// Purpose says what a one-time token proves; a token of one purpose is
// never accepted for another.
type Purpose string

// The purposes of one-time tokens.
const (
	PurposeVerifyEmail   Purpose = "verify_email"
	PurposeResetPassword Purpose = "reset_password"
)

// OneTime is a single-use token mailed to a user.
type OneTime struct {
	ID        uuid.UUID
	UserID    uuid.UUID
	Purpose   Purpose
	Hash      Hash
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// NewOneTime creates a one-time token and returns its secret, which only
// the mail carries.
func NewOneTime(id, userID uuid.UUID, purpose Purpose, now time.Time, ttl time.Duration) (*OneTime, string) {
	secret, hash := NewSecret()
	return &OneTime{
		ID: id, UserID: userID, Purpose: purpose, Hash: hash,
		CreatedAt: now.UTC(), ExpiresAt: now.UTC().Add(ttl),
	}, secret
}

// Consume spends the token. Used or expired tokens are ErrInvalid.
func (o *OneTime) Consume(now time.Time) error {
	if o.UsedAt != nil || !now.Before(o.ExpiresAt) {
		return ErrInvalid
	}
	t := now.UTC()
	o.UsedAt = &t
	return nil
}
