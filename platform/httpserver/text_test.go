package httpserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/httpserver"
)

type TagsInput struct {
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
				TagsInput
			}) (*struct{}, error) {
				return nil, nil
			})
	}))
	return e
}

// TestTextThePlatformCannotStoreIsRefused: NUL characters, invalid UTF-8
// and lone surrogate escapes anywhere in the URL or a JSON body, and bodies
// that make huma's validator panic, are 4xx envelopes, never 500s or
// silently altered data. In a body, what is not Unicode text is 400 (it
// does not decode to text); a NUL is valid JSON, so it is 422 naming the
// field.
func TestTextThePlatformCannotStoreIsRefused(t *testing.T) {
	t.Parallel()
	e := textEngine(t)
	tests := []struct {
		name   string
		target string
		body   string
		status int
		code   string
		field  string
	}{
		{"valid", "/text/tags/a?q=x", `{"name":"a","tags":["x","y"]}`, 204, "", ""},
		{"NUL in the path", "/text/tags/a%00b", `{}`, 400, "bad_request", ""},
		{"invalid UTF-8 in the path", "/text/tags/a%FFb", `{}`, 400, "bad_request", ""},
		{"NUL in a query value", "/text/tags/a?q=%00", `{}`, 400, "bad_request", ""},
		{"invalid UTF-8 in a query value", "/text/tags/a?q=%C0%AF", `{}`, 400, "bad_request", ""},
		{"NUL in a query name", "/text/tags/a?%00=1", `{}`, 400, "bad_request", ""},
		{"malformed query escape", "/text/tags/a?q=%zz", `{}`, 400, "bad_request", ""},
		{"invalid UTF-8 in a body string", "/text/tags/a", "{\"name\":\"a\xffb\"}", 400, "bad_request", ""},
		{"invalid UTF-8 in a body key", "/text/tags/a", "{\"\xff\":1}", 400, "bad_request", ""},
		{"lone high surrogate", "/text/tags/a", `{"name":"a\ud800b"}`, 400, "bad_request", ""},
		{"lone low surrogate", "/text/tags/a", `{"name":"a\udc00b"}`, 400, "bad_request", ""},
		{"lone surrogate at the end", "/text/tags/a", `{"name":"a\uD800"}`, 400, "bad_request", ""},
		{"high surrogate before a non-surrogate", "/text/tags/a", `{"name":"\ud800\u0041"}`, 400, "bad_request", ""},
		{"two high surrogates", "/text/tags/a", `{"name":"\ud800\udbff"}`, 400, "bad_request", ""},
		{"reversed pair", "/text/tags/a", `{"name":"\ude00\ud83d"}`, 400, "bad_request", ""},
		{"lone surrogate in an array item", "/text/tags/a", `{"tags":["\udfff"]}`, 400, "bad_request", ""},
		{"lone surrogate in a key", "/text/tags/a", `{"\ud800":1}`, 400, "bad_request", ""},
		{"surrogate pair", "/text/tags/a", `{"name":"\ud83d\ude00 \uD83D\uDE00"}`, 204, "", ""},
		{"escaped backslash before u", "/text/tags/a", `{"name":"a\\ud800"}`, 204, "", ""},
		{"NUL in a body string", "/text/tags/a", `{"name":"a\u0000b"}`, 422, "validation_failed", "name"},
		{"NUL in an array item", "/text/tags/a", `{"tags":["\u0000"]}`, 422, "validation_failed", "tags[0]"},
		{"NUL in a body key", "/text/tags/a", `{"a\u0000":1}`, 422, "validation_failed", "a\u0000"},
		{"escaped backslash is not a NUL", "/text/tags/a", `{"name":"a\\u0000b"}`, 204, "", ""},
		{"other control characters are the field's to refuse", "/text/tags/a", `{"name":"a\u0001\u001fb"}`, 204, "", ""},
		{"nested arrays in a uniqueItems array", "/text/tags/a", `{"tags":[["x"],["x"]]}`, 422, "validation_failed", "tags[0]"},
		{"objects in a uniqueItems array", "/text/tags/a", `{"tags":[{"a":1}]}`, 422, "validation_failed", "tags[0]"},
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
			if tt.field != "" && fieldsOf(t, rec.Body.Bytes())[0] != tt.field {
				t.Fatalf("body %s, want field %q first", rec.Body, tt.field)
			}
			if strings.Contains(rec.Body.String(), "\xff") || strings.Contains(rec.Body.String(), "\u0000") {
				t.Fatalf("the envelope echoes the bad input: %s", rec.Body)
			}
		})
	}
}

// fieldsOf returns the fields an envelope names, in order.
func fieldsOf(t *testing.T, body []byte) []string {
	t.Helper()
	var env struct {
		Details struct {
			Fields []struct{ Field string } `json:"fields"`
		} `json:"details"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(env.Details.Fields))
	for i, f := range env.Details.Fields {
		out[i] = f.Field
	}
	if len(out) == 0 {
		t.Fatalf("no fields in %s", body)
	}
	return out
}
