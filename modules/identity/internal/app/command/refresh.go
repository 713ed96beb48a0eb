package command

import (
	"context"
	"errors"
	"strings"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/platform/auditlog"
)

// Refresh exchanges a refresh token for a new pair.
type Refresh struct {
	RefreshToken string
	IP           string
}

// RefreshHandler rotates the presented token. A spent token revokes its
// whole family and is audited as user.refresh_token_reused; that
// revocation commits even though the request fails.
type RefreshHandler struct{ d Deps }

// NewRefreshHandler returns the handler.
func NewRefreshHandler(d Deps) RefreshHandler { return RefreshHandler{d: d} }

// Handle returns the new pair or unauthorized.
func (h RefreshHandler) Handle(ctx context.Context, cmd Refresh) (Tokens, error) {
	secret := strings.TrimSpace(cmd.RefreshToken)
	if secret == "" || len(secret) > token.MaxSecretLength {
		return Tokens{}, errInvalidRefresh(token.ErrInvalid)
	}
	var (
		u        *user.User
		issued   token.Issued
		rejected error
	)
	err := h.d.UoW.Do(ctx, func(ctx context.Context) error {
		family, spent, err := h.d.Refresh.ByHash(ctx, token.HashOf(secret))
		if errors.Is(err, token.ErrInvalid) {
			rejected = err
			return nil
		}
		if err != nil {
			return err
		}
		now := h.d.now()
		issued, err = family.Rotate(spent, h.d.newID(), now, h.d.Policy.RefreshTTL)
		switch {
		case errors.Is(err, token.ErrReused):
			rejected = err
			return h.reused(ctx, family, spent, cmd.IP)
		case err != nil:
			rejected = err
			return nil
		}
		u, err = h.d.Users.Get(ctx, family.UserID)
		if err != nil {
			return err
		}
		if !u.Active() {
			rejected = user.ErrInactive
			family.Revoke(token.ReasonDeactivated, now)
			return h.d.Refresh.SaveFamily(ctx, family)
		}
		return h.d.Refresh.SaveRotation(ctx, family, spent, issued.Token)
	})
	if err != nil {
		return Tokens{}, err
	}
	if rejected != nil {
		return Tokens{}, errInvalidRefresh(rejected)
	}
	return h.d.issueTokens(u, issued.Secret)
}

// reused persists the revoked family and audits the reuse, which may mean
// the token was stolen: whoever holds any token of the family is out.
func (h RefreshHandler) reused(ctx context.Context, f *token.Family, spent *token.Refresh, ip string) error {
	if err := h.d.Refresh.SaveFamily(ctx, f); err != nil {
		return err
	}
	return h.d.Audit.Record(ctx, auditlog.Event{
		Actor: auditlog.SystemActor, Action: ActionRefreshReused, EntityType: entityUser, EntityID: f.UserID.String(),
		Metadata: map[string]any{"familyId": f.ID.String(), "tokenId": spent.ID.String(), "ip": ip},
	})
}
