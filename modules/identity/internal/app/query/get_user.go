package query

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
)

// GetUserHandler reads one user. It serves GET /v1/me and the responses of
// commands that answer with the user; callers check permissions (the
// caller itself, or an admin) before asking.
type GetUserHandler struct{ read ReadModel }

// NewGetUserHandler returns the handler.
func NewGetUserHandler(read ReadModel) GetUserHandler { return GetUserHandler{read: read} }

// Me returns the authenticated caller.
func (h GetUserHandler) Me(ctx context.Context) (User, error) {
	p, err := auth.Authenticated(ctx)
	if err != nil {
		return User{}, err
	}
	return h.Handle(ctx, p.UserID)
}

// Handle returns the user with id, or not_found.
func (h GetUserHandler) Handle(ctx context.Context, id uuid.UUID) (User, error) {
	u, err := h.read.User(ctx, id)
	if errors.Is(err, user.ErrNotFound) {
		return User{}, apperr.NotFound("no such user")
	}
	return u, err
}
