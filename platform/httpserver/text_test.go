package httpserver_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/httpserver"
)

type tagsInput struct {
	Q    string `query:"q"`
	Body struct {
		Name string   `json:"name,omitempty"`
		Tags []string `json:"tags,omitempty" uniqueItems:"true" maxItems:"5"`
		Note *string  `json:"note,omitempty" nullable:"true"`
	}
}

func textEngine(t *testing.T) http.Handler {
	t.Helper()
	cfg, err := config.LoadEnv(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := httpserver.NewEngine(httpserver.EngineOptions{HTTP: cfg.HTTP})
	if err != nil {
		t.Fatal(err)
	}
	httpserver.NewAPI(e, httpserver.APIConfig{BodyLimit: cfg.HTTP.BodyLimit}, httpserver.RoutesFunc(func(api huma.API) {
		huma.Register(api, huma.Operation{OperationID: "text-tags", Method: http.MethodPost, Path: "/text/tags/{name}", Tags: []string{"Test"}},
			func(_ context.Context, in *struct {
				Name string `path:"name"`
				tagsInput
			}) (*struct{}, error) {
				return nil, nil
			})
	}))
	return e
}

// TestTextThePlatformCannotStoreIsRefused: NUL characters and invalid
// UTF-8 anywhere in the URL or a JSON body, and bodies that make huma's
// validator panic, are 4xx envelopes, never 500s or silently altered data.
func TestTextThePlatformCannotStoreIsRefused(t *testing.T) {
	t.Parallel()
	e := textEngine(t)
	tests := []struct {
		name   string
		target string
		body   string
		status int
		code   string
	}{
		{"valid", "/text/tags/a?q=x", `{"name":"a","tags":["x","y"]}`, 204, ""},
		{"NUL in the path", "/text/tags/a%00b", `{}`, 400, "bad_request"},
		{"invalid UTF-8 in the path", "/text/tags/a%FFb", `{}`, 400, "bad_request"},
		{"NUL in a query value", "/text/tags/a?q=%00", `{}`, 400, "bad_request"},
		{"invalid UTF-8 in a query value", "/text/tags/a?q=%C0%AF", `{}`, 400, "bad_request"},
		{"NUL in a query name", "/text/tags/a?%00=1", `{}`, 400, "bad_request"},
		{"malformed query escape", "/text/tags/a?q=%zz", `{}`, 400, "bad_request"},
		{"invalid UTF-8 in a body string", "/text/tags/a", "{\"name\":\"a\xffb\"}", 400, "bad_request"},
		{"invalid UTF-8 in a body key", "/text/tags/a", "{\"\xff\":1}", 400, "bad_request"},
		{"NUL in a body string", "/text/tags/a", `{"name":"a\u0000b"}`, 400, "bad_request"},
		{"NUL in an array item", "/text/tags/a", `{"tags":["\u0000"]}`, 400, "bad_request"},
		{"NUL in a body key", "/text/tags/a", `{"a\u0000":1}`, 400, "bad_request"},
		{"escaped backslash is not a NUL", "/text/tags/a", `{"name":"a\\u0000b"}`, 204, ""},
		{"nested arrays in a uniqueItems array", "/text/tags/a", `{"tags":[["x"],["x"]]}`, 422, "validation_failed"},
		{"objects in a uniqueItems array", "/text/tags/a", `{"tags":[{"a":1}]}`, 422, "validation_failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodPost, tt.target, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.code != "" && !strings.Contains(rec.Body.String(), `"code":"`+tt.code+`"`) {
				t.Fatalf("body %s, want code %s", rec.Body, tt.code)
			}
			if strings.Contains(rec.Body.String(), "\xff") || strings.Contains(rec.Body.String(), "\u0000") {
				t.Fatalf("the envelope echoes the bad input: %s", rec.Body)
			}
		})
	}
}
