package query_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/app/query"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/modules/identity/internal/permission"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/pagination"
)

// readModel serves users newest first from memory.
type readModel struct{ users []query.User }

func (m readModel) User(_ context.Context, id uuid.UUID) (query.User, error) {
	for _, u := range m.users {
		if u.ID == id {
			return u, nil
		}
	}
	return query.User{}, user.ErrNotFound
}

func (m readModel) Users(_ context.Context, before *uuid.UUID, limit int) ([]query.User, error) {
	var out []query.User
	for i := len(m.users) - 1; i >= 0 && len(out) < limit; i-- {
		if before == nil || m.users[i].ID.String() < before.String() {
			out = append(out, m.users[i])
		}
	}
	return out, nil
}

func as(roles ...auth.Role) context.Context {
	return auth.WithPrincipal(context.Background(), auth.NewPrincipal(uuid.Must(uuid.NewV7()), roles, permission.Grants))
}

func TestListUsersWalksEveryPageOnce(t *testing.T) {
	t.Parallel()
	var m readModel
	for range 5 {
		m.users = append(m.users, query.User{ID: uuid.Must(uuid.NewV7())})
	}
	h := query.NewListUsersHandler(m, pagination.NewCodec("secret"))
	var seen []uuid.UUID
	cursor := ""
	for {
		page, err := h.Handle(as(auth.RoleAdmin), query.ListUsers{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Items {
			seen = append(seen, u.ID)
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if len(seen) != 5 || seen[0] != m.users[4].ID || slices.Compact(slices.Clone(seen))[4] != m.users[0].ID {
		t.Fatalf("walk %v", seen)
	}
}

func TestListUsersRules(t *testing.T) {
	t.Parallel()
	h := query.NewListUsersHandler(readModel{}, pagination.NewCodec("secret"))
	other := pagination.NewCodec("secret").Encode("activities", map[string]string{"id": uuid.NewString()})
	tests := []struct {
		name string
		ctx  context.Context
		q    query.ListUsers
		want apperr.Code
	}{
		{"anonymous", context.Background(), query.ListUsers{}, apperr.CodeUnauthorized},
		{"member", as(auth.RoleMember), query.ListUsers{}, apperr.CodeForbidden},
		{"auditor", as(auth.RoleAuditor), query.ListUsers{}, apperr.CodeForbidden},
		{"limit too big", as(auth.RoleAdmin), query.ListUsers{Limit: 101}, apperr.CodeValidationFailed},
		{"forged cursor", as(auth.RoleAdmin), query.ListUsers{Cursor: "abc.def"}, apperr.CodeInvalidCursor},
		{"cursor of another list", as(auth.RoleAdmin), query.ListUsers{Cursor: other}, apperr.CodeInvalidCursor},
	}
	for _, tt := range tests {
		if _, err := h.Handle(tt.ctx, tt.q); apperr.CodeOf(err) != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
	page, err := h.Handle(as(auth.RoleAdmin), query.ListUsers{})
	if err != nil || page.Items == nil || page.NextCursor != nil {
		t.Fatalf("empty list: %+v %v", page, err)
	}
}

func TestGetUser(t *testing.T) {
	t.Parallel()
	id := uuid.Must(uuid.NewV7())
	h := query.NewGetUserHandler(readModel{users: []query.User{{ID: id}}})
	if _, err := h.Me(context.Background()); apperr.CodeOf(err) != apperr.CodeUnauthorized {
		t.Fatalf("anonymous me: %v", err)
	}
	me, err := h.Me(auth.WithPrincipal(context.Background(), auth.Principal{UserID: id}))
	if err != nil || me.ID != id {
		t.Fatalf("me: %v", err)
	}
	if _, err := h.Handle(context.Background(), uuid.New()); apperr.CodeOf(err) != apperr.CodeNotFound {
		t.Fatalf("unknown: %v", err)
	}
}
