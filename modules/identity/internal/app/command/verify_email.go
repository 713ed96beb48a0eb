package command

import (
	"context"
	"strings"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/platform/auditlog"
)

// VerifyEmail spends a mailed verification token.
type VerifyEmail struct {
	Token string
}

// VerifyEmailHandler marks the email verified. The token is single use;
// an unknown, used or expired token is validation_failed on "token".
type VerifyEmailHandler struct{ d Deps }

// NewVerifyEmailHandler returns the handler.
func NewVerifyEmailHandler(d Deps) VerifyEmailHandler { return VerifyEmailHandler{d: d} }

// Handle verifies the email of the token's user.
func (h VerifyEmailHandler) Handle(ctx context.Context, cmd VerifyEmail) error {
	return translate(h.d.UoW.Do(ctx, func(ctx context.Context) error {
		t, err := consumeOneTime(ctx, h.d, token.PurposeVerifyEmail, cmd.Token)
		if err != nil {
			return err
		}
		var before *Snapshot
		u, err := h.d.Users.Update(ctx, t.UserID, nil, func(u *user.User) error {
			before = snapshotOf(u)
			if !u.Active() {
				return token.ErrInvalid
			}
			u.VerifyEmail(h.d.now(), u.ID().String())
			return nil
		})
		if err != nil {
			return err
		}
		return h.d.Audit.Record(ctx, auditlog.Event{
			Actor: u.ID().String(), Action: ActionEmailVerified, EntityType: entityUser, EntityID: u.ID().String(),
			Before: before, After: snapshotOf(u),
		})
	}))
}

// consumeOneTime finds the token of purpose by its secret (locking it),
// spends it and saves it. Anything wrong with it is token.ErrInvalid.
func consumeOneTime(ctx context.Context, d Deps, purpose token.Purpose, secret string) (*token.OneTime, error) {
	secret = strings.TrimSpace(secret)
	if secret == "" || len(secret) > token.MaxSecretLength {
		return nil, token.ErrInvalid
	}
	t, err := d.OneTime.OneTimeByHash(ctx, purpose, token.HashOf(secret))
	if err != nil {
		return nil, err
	}
	if err := t.Consume(d.now()); err != nil {
		return nil, err
	}
	return t, d.OneTime.SaveOneTime(ctx, t)
}
