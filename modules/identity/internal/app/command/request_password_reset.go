package command

import (
	"context"
	"errors"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/outbox"
)

// RequestPasswordReset asks for a reset mail.
type RequestPasswordReset struct {
	Email string
	IP    string
}

// RequestPasswordResetHandler publishes user.password_reset_requested for
// an active account with that email, and does nothing otherwise: the
// caller answers 202 either way, so the route reveals no account.
type RequestPasswordResetHandler struct{ d Deps }

// NewRequestPasswordResetHandler returns the handler.
func NewRequestPasswordResetHandler(d Deps) RequestPasswordResetHandler {
	return RequestPasswordResetHandler{d: d}
}

// Handle never reports whether the account exists.
func (h RequestPasswordResetHandler) Handle(ctx context.Context, cmd RequestPasswordReset) error {
	email, err := user.ParseEmail(cmd.Email)
	if err != nil {
		return nil
	}
	return h.d.UoW.Do(ctx, func(ctx context.Context) error {
		u, err := h.d.Users.ByEmail(ctx, email)
		if errors.Is(err, user.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if !u.Active() || u.PasswordHash() == "" {
			return nil
		}
		snap := snapshotOf(u)
		if err := h.d.Audit.Record(ctx, auditlog.Event{
			Actor: auditlog.SystemActor, Action: ActionResetRequested, EntityType: entityUser, EntityID: u.ID().String(),
			Metadata: map[string]any{"ip": cmd.IP},
		}); err != nil {
			return err
		}
		return h.d.Outbox.Publish(ctx, outbox.Event{
			AggregateType: entityUser, AggregateID: u.ID().String(), Type: EventPasswordResetRequested,
			Payload: MailEvent{UserID: u.ID(), Email: email.String(), DisplayName: snap.DisplayName},
		})
	})
}
