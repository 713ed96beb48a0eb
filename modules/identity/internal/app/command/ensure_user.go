package command

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auditlog"
)

// EnsureUser makes sure an account exists with at least the given roles:
// the bootstrap of `zebra users create-admin` and `zebra seed`.
type EnsureUser struct {
	Email       string
	Password    string
	DisplayName string
	Roles       []string
}

// EnsureUserHandler is idempotent: a new email creates a verified user;
// an existing one keeps its password and gains the missing roles.
type EnsureUserHandler struct{ d Deps }

// NewEnsureUserHandler returns the handler.
func NewEnsureUserHandler(d Deps) EnsureUserHandler { return EnsureUserHandler{d: d} }

// Handle returns the user's id.
func (h EnsureUserHandler) Handle(ctx context.Context, cmd EnsureUser) (uuid.UUID, error) {
	email, err := SignUp{Email: cmd.Email, Password: cmd.Password, DisplayName: cmd.DisplayName}.validate()
	if err != nil {
		return uuid.Nil, err
	}
	roles := make([]user.Role, len(cmd.Roles))
	for i, r := range cmd.Roles {
		if roles[i], err = user.ParseRole(r); err != nil {
			return uuid.Nil, translate(err)
		}
	}
	if id, err := h.grant(ctx, email, roles); !errors.Is(err, user.ErrNotFound) {
		return id, translate(err)
	}
	id, err := h.create(ctx, email, cmd, roles)
	if errors.Is(err, user.ErrEmailTaken) {
		// Created concurrently: fall back to granting.
		id, err = h.grant(ctx, email, roles)
	}
	return id, translate(err)
}

func (h EnsureUserHandler) grant(ctx context.Context, email user.Email, roles []user.Role) (uuid.UUID, error) {
	var id uuid.UUID
	err := h.d.UoW.Do(ctx, func(ctx context.Context) error {
		existing, err := h.d.Users.ByEmail(ctx, email)
		if err != nil {
			return err
		}
		id = existing.ID()
		var before *Snapshot
		changed := false
		u, err := h.d.Users.Update(ctx, id, nil, func(u *user.User) error {
			before = snapshotOf(u)
			changed, err = u.GrantRoles(roles, h.d.now(), auditlog.SystemActor)
			return err
		})
		if err != nil || !changed {
			return err
		}
		return h.d.Audit.Record(ctx, auditlog.Event{
			Actor: auditlog.SystemActor, Action: ActionRolesChanged, EntityType: entityUser, EntityID: id.String(),
			Before: before, After: snapshotOf(u),
		})
	})
	return id, err
}

func (h EnsureUserHandler) create(ctx context.Context, email user.Email, cmd EnsureUser, roles []user.Role) (uuid.UUID, error) {
	if len(roles) == 0 {
		return uuid.Nil, apperr.Validation(apperr.FieldError{Field: "roles", Message: "must name at least one role"})
	}
	hash, err := h.d.Hasher.Hash(cmd.Password)
	if err != nil {
		return uuid.Nil, err
	}
	now := h.d.now()
	u, err := user.New(user.NewParams{
		ID: h.d.newID(), Email: email, DisplayName: cmd.DisplayName, PasswordHash: hash,
		Roles: roles, Now: now, Actor: auditlog.SystemActor, EmailVerified: true,
	})
	if err != nil {
		return uuid.Nil, err
	}
	return u.ID(), h.d.UoW.Do(ctx, func(ctx context.Context) error {
		if err := h.d.Users.Add(ctx, u); err != nil {
			return err
		}
		return h.d.Audit.Record(ctx, auditlog.Event{
			Actor: auditlog.SystemActor, Action: ActionCreated, EntityType: entityUser, EntityID: u.ID().String(),
			After: snapshotOf(u),
		})
	})
}
