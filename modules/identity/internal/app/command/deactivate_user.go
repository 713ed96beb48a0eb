package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/modules/identity/internal/permission"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/etag"
)

// DeactivateUser stops a user from signing in (admins only).
type DeactivateUser struct {
	UserID uuid.UUID
	// IfMatch is the If-Match header as the client sent it, parsed after
	// the permission check (see ChangeRoles.IfMatch).
	IfMatch string
}

// DeactivateUserHandler deactivates the user and revokes all its
// refresh-token families in the same transaction, so refresh fails at
// once. Access tokens already issued stay valid until they expire
// (ACCESS_TOKEN_TTL, 15 minutes by default): verifying them needs no
// database read, which is the point of short-lived JWTs.
type DeactivateUserHandler struct{ d Deps }

// NewDeactivateUserHandler returns the handler.
func NewDeactivateUserHandler(d Deps) DeactivateUserHandler { return DeactivateUserHandler{d: d} }

// Handle deactivates; deactivating an inactive user changes nothing. The
// permission is checked here, once per request; the HTTP operation checks
// nothing itself.
func (h DeactivateUserHandler) Handle(ctx context.Context, cmd DeactivateUser) error {
	p, err := auth.Require(ctx, permission.ManageUsers)
	if err != nil {
		return err
	}
	match, err := etag.IfMatch(cmd.IfMatch)
	if err != nil {
		return err
	}
	return translate(h.d.UoW.Do(ctx, func(ctx context.Context) error {
		var before *Snapshot
		changed := false
		now := h.d.now()
		u, err := h.d.Users.Update(ctx, cmd.UserID, match, func(u *user.User) error {
			before = snapshotOf(u)
			var err error
			changed, err = u.Deactivate(p.UserID, now)
			return err
		})
		if err != nil || !changed {
			return err
		}
		revoked, err := h.d.Refresh.RevokeAll(ctx, u.ID(), token.ReasonDeactivated, now)
		if err != nil {
			return err
		}
		return h.d.Audit.Record(ctx, auditlog.Event{
			Actor: p.Actor(), Action: ActionDeactivated, EntityType: entityUser, EntityID: u.ID().String(),
			Before: before, After: snapshotOf(u), Metadata: map[string]any{"revokedFamilies": revoked},
		})
	}))
}
