package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/danielgtaylor/huma/v2/humatest"
	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/app"
	"github.com/zebralabs/zebra/modules/identity/internal/app/command"
	"github.com/zebralabs/zebra/modules/identity/internal/httpapi"
	"github.com/zebralabs/zebra/platform/auth"
)

// TestUserChangesCheckThePermissionInTheCommand: PUT roles and deactivate
// check nothing themselves; the command each one calls checks the
// permission, once, before If-Match. Over an application whose ports are
// all nil, a member gets 403 and an anonymous caller 401, with and without
// If-Match and with a malformed id: a route that skipped the check would
// reach a nil port, and one that parsed If-Match first would answer 428.
func TestUserChangesCheckThePermissionInTheCommand(t *testing.T) {
	t.Parallel()
	_, api := humatest.New(t)
	httpapi.NewRoutes(app.New(command.Deps{}, nil, nil), nil, nil).Register(api)
	id := uuid.Must(uuid.NewV7()).String()
	member := auth.WithPrincipal(context.Background(), auth.Principal{UserID: uuid.Must(uuid.NewV7()), Roles: []auth.Role{auth.RoleMember}})
	callers := []struct {
		name string
		ctx  context.Context
		want int
	}{
		{"member", member, http.StatusForbidden},
		{"anonymous", context.Background(), http.StatusUnauthorized},
	}
	roles := map[string]any{"roles": []string{"admin"}}
	tests := []struct {
		method, path string
		args         []any
	}{
		{http.MethodPut, "/v1/users/" + id + "/roles", []any{roles, `If-Match: "1"`}},
		{http.MethodPut, "/v1/users/" + id + "/roles", []any{roles}},
		{http.MethodPut, "/v1/users/not-a-uuid/roles", []any{roles}},
		{http.MethodPost, "/v1/users/" + id + "/deactivate", []any{`If-Match: "1"`}},
		{http.MethodPost, "/v1/users/" + id + "/deactivate", nil},
		{http.MethodPost, "/v1/users/not-a-uuid/deactivate", nil},
	}
	for _, c := range callers {
		for _, tt := range tests {
			if r := api.DoCtx(c.ctx, tt.method, tt.path, tt.args...); r.Code != c.want {
				t.Errorf("%s: %s %s %v = %d %s, want %d", c.name, tt.method, tt.path, tt.args, r.Code, r.Body, c.want)
			}
		}
	}
}
