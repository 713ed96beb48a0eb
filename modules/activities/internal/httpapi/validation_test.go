package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/app"
	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/httpapi"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/httpserver/httpservertest"
	"github.com/zebralabs/zebra/platform/idempotency"
)

// TestOne422NamesEveryInvalidField: through the platform's engine, the
// domain's rules (title) and the schema's (description's length, status)
// are reported in one 422, for create and update alike. The application's
// ports are nil: nothing here gets past the domain's checks.
func TestOne422NamesEveryInvalidField(t *testing.T) {
	t.Parallel()
	cfg, err := config.LoadEnv(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	engine, err := httpserver.NewEngine(httpserver.EngineOptions{HTTP: cfg.HTTP, Verifier: memberVerifier{}})
	if err != nil {
		t.Fatal(err)
	}
	httpserver.NewAPI(engine, httpserver.APIConfig{BodyLimit: cfg.HTTP.BodyLimit},
		httpapi.NewRoutes(app.New(command.Deps{}, app.Reads{}, nil), idempotency.New(nil, nil)))
	long := `"` + strings.Repeat("d", 5001) + `"`
	item := "/v1/activities/" + uuid.Must(uuid.NewV7()).String()
	tests := []struct {
		method, path, body string
		token              string
		status             int
		fields             []string
	}{
		{http.MethodPost, "/v1/activities", `{"title":"","description":` + long + `}`, "", 422, []string{"description", "title"}},
		{http.MethodPost, "/v1/activities", `{"title":"a\u0001b","description":` + long + `,"status":"paused"}`, "", 422, []string{"description", "status", "title"}},
		{http.MethodPost, "/v1/activities", `{"title":"a\u0000b"}`, "", 422, []string{"title"}},
		{http.MethodPost, "/v1/activities", `{"title":"   ","id":"x"}`, "", 422, []string{"id", "title"}},
		{http.MethodPatch, item, `{"title":"","description":` + long + `}`, "", 422, []string{"description", "title"}},
		{http.MethodPatch, item, `{"title":"` + strings.Repeat("t", 201) + `","status":"paused"}`, "", 422, []string{"status", "title"}},
		// A body the schema accepts reaches the command: the permission
		// first, then every rule of the domain at once.
		{http.MethodPost, "/v1/activities", `{"title":" ","description":"a\u0001"}`, "", 401, nil},
		{http.MethodPost, "/v1/activities", `{"title":"","description":"` + strings.Repeat("d", 4999) + `"}`, "member", 422, []string{"title"}},
		{http.MethodPost, "/v1/activities", `{"title":"a\u0007"}`, "member", 422, []string{"title"}},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("If-Match", `"1"`)
		if tt.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.token)
		}
		rec := httptest.NewRecorder()
		engine.ServeHTTP(rec, req)
		_, got := httpservertest.Problem(t, rec.Body.Bytes())
		if rec.Code != tt.status || !slices.Equal(got, tt.fields) {
			t.Errorf("%s %.60s: %d %s, want %d naming %v", tt.method, tt.body, rec.Code, rec.Body.String()[:min(rec.Body.Len(), 300)], tt.status, tt.fields)
		}
	}
}

// memberVerifier accepts the token "member" as a member.
type memberVerifier struct{}

func (memberVerifier) Verify(_ context.Context, token string) (auth.Principal, error) {
	if token != "member" {
		return auth.Principal{}, apperr.Unauthorized("unknown token")
	}
	return auth.NewPrincipal(uuid.Must(uuid.NewV7()), []auth.Role{auth.RoleMember}, permission.Grants), nil
}
