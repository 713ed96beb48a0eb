package command

import (
	"context"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auditlog"
)

// ConfirmPasswordReset sets a new password with a mailed reset token.
type ConfirmPasswordReset struct {
	Token       string
	NewPassword string
	IP          string
}

// ConfirmPasswordResetHandler spends the token, replaces the password,
// revokes every refresh-token family of the user (whoever knew the old
// password is logged out) and spends the user's other reset tokens.
type ConfirmPasswordResetHandler struct{ d Deps }

// NewConfirmPasswordResetHandler returns the handler.
func NewConfirmPasswordResetHandler(d Deps) ConfirmPasswordResetHandler {
	return ConfirmPasswordResetHandler{d: d}
}

// Handle resets the password.
func (h ConfirmPasswordResetHandler) Handle(ctx context.Context, cmd ConfirmPasswordReset) error {
	if err := user.ValidatePassword(cmd.NewPassword); err != nil {
		return apperr.Validation(apperr.FieldError{Field: "newPassword", Message: err.Error()})
	}
	hash, err := h.d.Hasher.Hash(cmd.NewPassword)
	if err != nil {
		return err
	}
	var account string
	err = h.d.UoW.Do(ctx, func(ctx context.Context) error {
		t, err := consumeOneTime(ctx, h.d, token.PurposeResetPassword, cmd.Token)
		if err != nil {
			return err
		}
		now := h.d.now()
		u, err := h.d.Users.Update(ctx, t.UserID, nil, func(u *user.User) error {
			if err := u.SetPassword(hash, now, u.ID().String()); err != nil {
				return token.ErrInvalid // a deactivated user's link is dead
			}
			// Following the mailed link proves the mailbox, too.
			u.VerifyEmail(now, u.ID().String())
			return nil
		})
		if err != nil {
			return err
		}
		account = u.Email().String()
		revoked, err := h.d.Refresh.RevokeAll(ctx, u.ID(), token.ReasonPasswordReset, now)
		if err != nil {
			return err
		}
		if err := h.d.OneTime.SpendAll(ctx, u.ID(), token.PurposeResetPassword, now); err != nil {
			return err
		}
		return h.d.Audit.Record(ctx, auditlog.Event{
			Actor: u.ID().String(), Action: ActionPasswordReset, EntityType: entityUser, EntityID: u.ID().String(),
			Metadata: map[string]any{"revokedFamilies": revoked, "ip": cmd.IP},
		})
	})
	if err != nil {
		return translate(err)
	}
	// The owner proved control of the mailbox: lift a lockout on the account.
	_ = h.d.Throttle.Succeeded(ctx, account)
	return nil
}
