package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/app"
	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/httpapi"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/idempotency"
)

// TestOne422NamesEveryInvalidField: through the platform's engine, the
// domain's rules (title) and the schema's (description's length, status)
// are reported in one 422, for create and update alike. The application's
// ports are nil: none of this reaches a handler.
func TestOne422NamesEveryInvalidField(t *testing.T) {
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
		httpapi.NewRoutes(app.New(command.Deps{}, nil, nil), idempotency.New(nil, nil)))
	long := `"` + strings.Repeat("d", 5001) + `"`
	item := "/v1/activities/" + uuid.Must(uuid.NewV7()).String()
	tests := []struct {
		method, path, body string
		fields             []string
	}{
		{http.MethodPost, "/v1/activities", `{"title":"","description":` + long + `}`, []string{"description", "title"}},
		{http.MethodPost, "/v1/activities", `{"title":"a\u0001b","description":` + long + `,"status":"paused"}`, []string{"description", "status", "title"}},
		{http.MethodPost, "/v1/activities", `{"title":"a\u0000b"}`, []string{"title"}},
		{http.MethodPost, "/v1/activities", `{"title":"   ","id":"x"}`, []string{"id", "title"}},
		{http.MethodPatch, item, `{"title":"","description":` + long + `}`, []string{"description", "title"}},
		{http.MethodPatch, item, `{"title":"` + strings.Repeat("t", 201) + `","status":"paused"}`, []string{"status", "title"}},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("If-Match", `"1"`)
		rec := httptest.NewRecorder()
		engine.ServeHTTP(rec, req)
		var env struct {
			Code    string `json:"code"`
			Details struct {
				Fields []struct{ Field string } `json:"fields"`
			} `json:"details"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range env.Details.Fields {
			got = append(got, f.Field)
		}
		slices.Sort(got)
		if rec.Code != http.StatusUnprocessableEntity || env.Code != "validation_failed" || !slices.Equal(got, tt.fields) {
			t.Errorf("%s %.60s: %d %s, want 422 naming %v", tt.method, tt.body, rec.Code, rec.Body.String()[:min(rec.Body.Len(), 300)], tt.fields)
		}
	}
}
