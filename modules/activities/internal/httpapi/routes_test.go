package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/danielgtaylor/huma/v2/humatest"
	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/app"
	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/httpapi"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/idempotency"
)

// TestEveryOperationChecksThePermission: the operations check nothing
// themselves; the application handler each one calls checks the
// permission, once, before anything else. Over an application whose ports
// are all nil, an auditor gets 403 and an anonymous caller 401 on every
// route, PATCH and DELETE without If-Match included (the permission comes
// before the precondition). A route whose handler skipped the check would
// reach a nil port and answer something else, or panic.
func TestEveryOperationChecksThePermission(t *testing.T) {
	t.Parallel()
	_, api := humatest.New(t)
	httpapi.NewRoutes(app.New(command.Deps{}, app.Reads{}, nil), idempotency.New(nil, nil)).Register(api)
	path := "/v1/activities/" + uuid.Must(uuid.NewV7()).String()
	auditor := auth.WithPrincipal(context.Background(), auth.NewPrincipal(uuid.Must(uuid.NewV7()), []auth.Role{auth.RoleAuditor}, permission.Grants))
	callers := []struct {
		name string
		ctx  context.Context
		want int
	}{
		{"auditor", auditor, http.StatusForbidden},
		{"anonymous", context.Background(), http.StatusUnauthorized},
	}
	tests := []struct {
		method, path string
		args         []any
	}{
		{http.MethodPost, "/v1/activities", []any{map[string]any{"title": "x"}}},
		{http.MethodGet, "/v1/activities", nil},
		{http.MethodGet, path, nil},
		{http.MethodPatch, path, []any{map[string]any{"title": "x"}, `If-Match: "1"`}},
		{http.MethodPatch, path, []any{map[string]any{"title": "x"}}},
		{http.MethodDelete, path, []any{`If-Match: "1"`}},
		{http.MethodDelete, path, nil},
	}
	for _, c := range callers {
		for _, tt := range tests {
			if r := api.DoCtx(c.ctx, tt.method, tt.path, tt.args...); r.Code != c.want {
				t.Errorf("%s: %s %s %v = %d %s, want %d", c.name, tt.method, tt.path, tt.args, r.Code, r.Body, c.want)
			}
		}
	}
}
