package command

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
)

// IssueMailToken creates the one-time token a mail is about to carry.
type IssueMailToken struct {
	UserID  uuid.UUID
	Purpose token.Purpose
}

// MailToken is what the mailer needs: the secret for the link, or Skip
// when the mail no longer makes sense (user gone, deactivated, already
// verified).
type MailToken struct {
	Secret string
	Email  string
	Skip   bool
}

// IssueMailTokenHandler is called by the mailer right before it sends, so
// the raw token exists only in the mailer's memory and in the mail: never
// in the outbox, the stream or the database (which keeps its hash). A new
// password-reset token spends the user's older ones.
type IssueMailTokenHandler struct{ d Deps }

// NewIssueMailTokenHandler returns the handler.
func NewIssueMailTokenHandler(d Deps) IssueMailTokenHandler { return IssueMailTokenHandler{d: d} }

// Handle stores the token's hash and returns its secret.
func (h IssueMailTokenHandler) Handle(ctx context.Context, cmd IssueMailToken) (MailToken, error) {
	var ttl time.Duration
	switch cmd.Purpose {
	case token.PurposeVerifyEmail:
		ttl = h.d.Policy.VerificationTTL
	case token.PurposeResetPassword:
		ttl = h.d.Policy.PasswordResetTTL
	default:
		return MailToken{}, fmt.Errorf("unknown token purpose %q", cmd.Purpose)
	}
	var out MailToken
	err := h.d.UoW.Do(ctx, func(ctx context.Context) error {
		u, err := h.d.Users.Get(ctx, cmd.UserID)
		if errors.Is(err, user.ErrNotFound) {
			out.Skip = true
			return nil
		}
		if err != nil {
			return err
		}
		if !u.Active() || u.Email().IsZero() || (cmd.Purpose == token.PurposeVerifyEmail && u.EmailVerified()) {
			out.Skip = true
			return nil
		}
		now := h.d.now()
		if cmd.Purpose == token.PurposeResetPassword {
			if err := h.d.OneTime.SpendAll(ctx, u.ID(), cmd.Purpose, now); err != nil {
				return err
			}
		}
		t, secret := token.NewOneTime(h.d.newID(), u.ID(), cmd.Purpose, now, ttl)
		out.Secret, out.Email = secret, u.Email().String()
		return h.d.OneTime.AddOneTime(ctx, t)
	})
	return out, err
}
