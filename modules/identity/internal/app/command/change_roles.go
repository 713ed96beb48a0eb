package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/modules/identity/internal/permission"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/etag"
)

// ChangeRoles replaces a user's roles (admins only).
type ChangeRoles struct {
	UserID uuid.UUID
	Roles  []string
	// IfMatch is the If-Match header as the client sent it, parsed after
	// the permission check, so a caller who may not change users hears
	// 401 or 403, not 428 about a header it cannot use.
	IfMatch string
}

// ChangeRolesHandler applies the change if the version still matches.
// New roles reach access tokens at the next refresh or login (at most one
// access-token lifetime later).
type ChangeRolesHandler struct{ d Deps }

// NewChangeRolesHandler returns the handler.
func NewChangeRolesHandler(d Deps) ChangeRolesHandler { return ChangeRolesHandler{d: d} }

// Handle changes the roles. The permission is checked here, once per
// request; the HTTP operation checks nothing itself.
func (h ChangeRolesHandler) Handle(ctx context.Context, cmd ChangeRoles) error {
	p, err := auth.Require(ctx, permission.ManageUsers)
	if err != nil {
		return err
	}
	match, err := etag.IfMatch(cmd.IfMatch)
	if err != nil {
		return err
	}
	roles := make([]user.Role, len(cmd.Roles))
	for i, r := range cmd.Roles {
		roles[i] = user.Role(r)
	}
	return translate(h.d.UoW.Do(ctx, func(ctx context.Context) error {
		var before *Snapshot
		changed := false
		u, err := h.d.Users.Update(ctx, cmd.UserID, match, func(u *user.User) error {
			before = snapshotOf(u)
			var err error
			changed, err = u.ChangeRoles(roles, p.UserID, h.d.now())
			return err
		})
		if err != nil || !changed {
			return err
		}
		return h.d.Audit.Record(ctx, auditlog.Event{
			Actor: p.Actor(), Action: ActionRolesChanged, EntityType: entityUser, EntityID: u.ID().String(),
			Before: before, After: snapshotOf(u),
		})
	}))
}
