package command

import (
	"context"
	"errors"
	"strings"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
)

// Logout ends the session a refresh token belongs to.
type Logout struct {
	RefreshToken string
}

// LogoutHandler revokes the token's family. It is idempotent: an unknown
// or already revoked token is not an error, since the outcome the client
// wants (that token is dead) holds.
type LogoutHandler struct{ d Deps }

// NewLogoutHandler returns the handler.
func NewLogoutHandler(d Deps) LogoutHandler { return LogoutHandler{d: d} }

// Handle revokes the family.
func (h LogoutHandler) Handle(ctx context.Context, cmd Logout) error {
	p, err := auth.Authenticated(ctx)
	if err != nil {
		return err
	}
	secret := strings.TrimSpace(cmd.RefreshToken)
	if secret == "" || len(secret) > token.MaxSecretLength {
		return nil
	}
	return h.d.UoW.Do(ctx, func(ctx context.Context) error {
		family, _, err := h.d.Refresh.ByHash(ctx, token.HashOf(secret))
		if errors.Is(err, token.ErrInvalid) {
			return nil
		}
		if err != nil {
			return err
		}
		if !family.Revoke(token.ReasonLogout, h.d.now()) {
			return nil
		}
		if err := h.d.Refresh.SaveFamily(ctx, family); err != nil {
			return err
		}
		return h.d.Audit.Record(ctx, auditlog.Event{
			Actor: p.Actor(), Action: ActionLoggedOut, EntityType: entityUser, EntityID: family.UserID.String(),
			Metadata: map[string]any{"familyId": family.ID.String()},
		})
	})
}
