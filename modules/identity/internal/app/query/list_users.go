package query

import (
	"context"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/pagination"
)

// ListUsers asks for one page of users, newest first.
type ListUsers struct {
	Limit  int
	Cursor string
}

// cursorList names the list cursors are bound to.
const cursorList = "identity.users"

// ListUsersHandler pages through users by id (keyset: the cost of a page
// does not grow with depth). Admins only.
type ListUsersHandler struct {
	read    ReadModel
	cursors *pagination.Codec
}

// NewListUsersHandler returns the handler.
func NewListUsersHandler(read ReadModel, cursors *pagination.Codec) ListUsersHandler {
	return ListUsersHandler{read: read, cursors: cursors}
}

// Handle returns the page.
func (h ListUsersHandler) Handle(ctx context.Context, q ListUsers) (pagination.Page[User], error) {
	if _, err := auth.Require(ctx, permission.ManageUsers); err != nil {
		return pagination.Page[User]{}, err
	}
	limit, err := pagination.Limit(q.Limit)
	if err != nil {
		return pagination.Page[User]{}, err
	}
	before, err := h.cursors.AfterID(cursorList, q.Cursor)
	if err != nil {
		return pagination.Page[User]{}, err
	}
	rows, err := h.read.Users(ctx, before, limit+1)
	if err != nil {
		return pagination.Page[User]{}, err
	}
	return pagination.ByID(h.cursors, cursorList, rows, limit, func(u User) uuid.UUID { return u.ID }), nil
}
