package httpapi

import (
	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/app/command"
	"github.com/zebralabs/zebra/modules/identity/internal/app/query"
	"github.com/zebralabs/zebra/modules/identity/internal/permission"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/pagination"
)

func (r *Routes) me(ctx ctxT, _ *struct{}) (*userOutput, error) {
	v, err := r.app.Queries.GetUser.Me(ctx)
	if err != nil {
		return nil, err
	}
	return userOutputOf(v), nil
}

type listUsersInput struct {
	pagination.Query
}

type listUsersOutput struct {
	Body pagination.Page[User]
}

func (r *Routes) list(ctx ctxT, in *listUsersInput) (*listUsersOutput, error) {
	page, err := r.app.Queries.ListUsers.Handle(ctx, query.ListUsers{Limit: in.Limit, Cursor: in.Cursor})
	if err != nil {
		return nil, err
	}
	out := &listUsersOutput{Body: pagination.Page[User]{Items: make([]User, len(page.Items)), NextCursor: page.NextCursor}}
	for i, v := range page.Items {
		out.Body.Items[i] = userOf(v)
	}
	return out, nil
}

type userPath struct {
	ID string `path:"id" maxLength:"64" doc:"The user's id."`
}

// id parses the path id; anything that is not a UUID names no user.
func (p userPath) id() (uuid.UUID, error) {
	id, err := uuid.Parse(p.ID)
	if err != nil {
		return uuid.Nil, apperr.NotFound("no such user")
	}
	return id, nil
}

// idOrNil is the path id, or uuid.Nil, which names no user: a command
// then answers 404 after its permission check, like any unknown id.
func (p userPath) idOrNil() uuid.UUID {
	id, err := uuid.Parse(p.ID)
	if err != nil {
		return uuid.Nil
	}
	return id
}

func (r *Routes) get(ctx ctxT, in *userPath) (*userOutput, error) {
	p, err := auth.Authenticated(ctx)
	if err != nil {
		return nil, err
	}
	id, err := in.id()
	if err != nil {
		return nil, err
	}
	if id != p.UserID && !p.Has(permission.ManageUsers) {
		return nil, apperr.NotFound("no such user")
	}
	v, err := r.app.Queries.GetUser.Handle(ctx, id)
	if err != nil {
		return nil, err
	}
	return userOutputOf(v), nil
}

type changeRolesInput struct {
	ID      string `path:"id" maxLength:"64" doc:"The user's id."`
	IfMatch string `header:"If-Match" doc:"The user's ETag, e.g. \"3\". Required."`
	Body    struct {
		Roles []string `json:"roles" nullable:"false" minItems:"1" maxItems:"3" uniqueItems:"true" doc:"The new roles: member, auditor, admin." example:"[\"member\",\"auditor\"]"`
	}
}

// changeRoles leaves the permission and If-Match to the command, which
// checks them once, in that order. A malformed id names no user (uuid.Nil).
func (r *Routes) changeRoles(ctx ctxT, in *changeRolesInput) (*userOutput, error) {
	id := userPath{ID: in.ID}.idOrNil()
	if err := r.app.Commands.ChangeRoles.Handle(ctx, command.ChangeRoles{UserID: id, Roles: in.Body.Roles, IfMatch: in.IfMatch}); err != nil {
		return nil, err
	}
	return r.read(ctx, id)
}

type deactivateInput struct {
	ID      string `path:"id" maxLength:"64" doc:"The user's id."`
	IfMatch string `header:"If-Match" doc:"The user's ETag, e.g. \"3\". Required."`
}

// deactivate leaves the permission and If-Match to the command, like
// changeRoles.
func (r *Routes) deactivate(ctx ctxT, in *deactivateInput) (*userOutput, error) {
	id := userPath{ID: in.ID}.idOrNil()
	if err := r.app.Commands.DeactivateUser.Handle(ctx, command.DeactivateUser{UserID: id, IfMatch: in.IfMatch}); err != nil {
		return nil, err
	}
	return r.read(ctx, id)
}

func (r *Routes) read(ctx ctxT, id uuid.UUID) (*userOutput, error) {
	v, err := r.app.Queries.GetUser.Handle(ctx, id)
	if err != nil {
		return nil, err
	}
	return userOutputOf(v), nil
}
