package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/zebralabs/zebra/modules/identity/internal/app"
	"github.com/zebralabs/zebra/modules/identity/internal/app/command"
	"github.com/zebralabs/zebra/modules/identity/internal/httpapi"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/httpserver/httpservertest"
)

// TestSignUpNamesEveryInvalidField: through the platform's engine, the
// command's rules (an email with invisible characters, a display name with
// control characters) and the schema's (the password's length) are
// reported in one 422. The application's ports are nil: none of this
// reaches a handler.
func TestSignUpNamesEveryInvalidField(t *testing.T) {
	t.Parallel()
	cfg, err := config.LoadEnv(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	engine, err := httpserver.NewEngine(httpserver.EngineOptions{HTTP: cfg.HTTP})
	if err != nil {
		t.Fatal(err)
	}
	httpserver.NewAPI(engine, httpserver.APIConfig{BodyLimit: cfg.HTTP.BodyLimit},
		httpapi.NewRoutes(app.New(command.Deps{}, nil, nil), nil, nil))
	const pw = `"correct horse battery"`
	tests := []struct {
		body   string
		fields []string
	}{
		{`{"email":"ada@exa\u200bmple.com","password":"short"}`, []string{"email", "password"}},
		{`{"email":"\u202eada@example.com","password":` + pw + `,"displayName":"a\u0007"}`, []string{"displayName", "email"}},
		{`{"email":"ada\ufeff@example.com","password":` + pw + `}`, []string{"email"}},
		{`{"email":"ada@exam\u00adple.com","password":` + pw + `}`, []string{"email"}},
		{`{"email":"a\u200dda@example.com","password":` + pw + `}`, []string{"email"}},
		{`{"email":"nope","password":"short","displayName":"` + strings.Repeat("n", 101) + `"}`, []string{"displayName", "email", "password"}},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodPost, "/v1/auth/signup", strings.NewReader(tt.body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		engine.ServeHTTP(rec, req)
		code, got := httpservertest.Problem(t, rec.Body.Bytes())
		if rec.Code != http.StatusUnprocessableEntity || code != "validation_failed" || !slices.Equal(got, tt.fields) {
			t.Errorf("%s: %d %s, want 422 naming %v", tt.body, rec.Code, rec.Body, tt.fields)
		}
	}
}
