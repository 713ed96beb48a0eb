package httpserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/httpserver/httpservertest"
)

// ruleBody has schema rules (maxLength, enum) and a rule the operation
// checks beyond the schema, the way a module asks its domain: title must
// not be blank after trimming.
type ruleBody struct {
	Title       string  `json:"title"`
	Description *string `json:"description,omitempty" nullable:"true" maxLength:"10"`
	Status      string  `json:"status,omitempty" enum:"open,closed"`
}

// check is the operation's own rule, as a module's domain would report it.
func (b *ruleBody) check() error {
	if strings.TrimSpace(b.Title) == "" {
		return apperr.Validation(apperr.FieldError{Field: "title", Message: "must not be blank"})
	}
	return nil
}

// Resolve reports the operation's own rule with the schema's errors.
func (b *ruleBody) Resolve(ctx huma.Context) []error {
	return httpserver.AlongsideSchemaErrors(ctx, b.check())
}

type ruleInput struct {
	Limit int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	Deny  string `header:"X-Deny"`
	Body  ruleBody
}

type ruleOutput struct {
	Body struct {
		Title string `json:"title"`
	}
}

func rulesEngine(t *testing.T) http.Handler {
	t.Helper()
	cfg, err := config.LoadEnv(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := httpserver.NewEngine(httpserver.EngineOptions{HTTP: cfg.HTTP})
	if err != nil {
		t.Fatal(err)
	}
	// handle is a command's order: the permission, then the rules.
	handle := func(_ context.Context, in *ruleInput) (*ruleOutput, error) {
		if in.Deny != "" {
			return nil, apperr.Forbidden("denied")
		}
		if err := in.Body.check(); err != nil {
			return nil, err
		}
		out := &ruleOutput{}
		out.Body.Title = in.Body.Title
		return out, nil
	}
	httpserver.NewAPI(e, httpserver.APIConfig{BodyLimit: cfg.HTTP.BodyLimit}, httpserver.RoutesFunc(func(api huma.API) {
		huma.Register(api, huma.Operation{OperationID: "rules-create", Method: http.MethodPost, Path: "/rules", Tags: []string{"Test"}}, handle)
		huma.Register(api, huma.Operation{OperationID: "rules-patch", Method: http.MethodPatch, Path: "/rules", Tags: []string{"Test"}}, handle)
		huma.Register(api, huma.Operation{OperationID: "rules-ping", Method: http.MethodGet, Path: "/rules/ping", Tags: []string{"Test"}},
			func(context.Context, *struct{}) (*struct{}, error) { return nil, nil })
	}))
	return e
}

func serve(h http.Handler, method, target, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestEveryInvalidFieldInOne422: schema errors, the shape errors of the
// platform and the operation's own rules are reported together, each
// field once (its first message); a body that does not decode is a 400
// without the fields its resolvers made up. A body the schema accepts
// reaches the handler, which checks the permission before its own rules.
func TestEveryInvalidFieldInOne422(t *testing.T) {
	t.Parallel()
	e := rulesEngine(t)
	tooLong := `"` + strings.Repeat("d", 11) + `"`
	tests := []struct {
		name   string
		body   string
		deny   bool
		status int
		fields []string
	}{
		{"a rule and a schema error", `{"title":"","description":` + tooLong + `}`, false, 422, []string{"description", "title"}},
		{"a rule and two schema errors", `{"title":" ","description":` + tooLong + `,"status":"x"}`, false, 422, []string{"description", "status", "title"}},
		{"a field with a schema and a rule error is named once", `{"title":5}`, false, 422, []string{"title"}},
		{"unknown field and a rule", `{"title":"","ownerId":"x"}`, false, 422, []string{"ownerId", "title"}},
		{"a NUL and a schema error", `{"title":"a\u0000","description":` + tooLong + `}`, false, 422, []string{"description", "title"}},
		{"a null and a schema error", `{"title":"t","status":null,"description":` + tooLong + `}`, false, 422, []string{"description", "status"}},
		{"a rule alone: the handler's", `{"title":" "}`, false, 422, []string{"title"}},
		{"a rule alone: the permission first", `{"title":" "}`, true, 403, nil},
		{"schema errors come before the permission", `{"title":" ","description":` + tooLong + `}`, true, 422, []string{"description", "title"}},
		{"malformed: no made-up fields", `{"title":`, false, 400, nil},
		{"wrong top-level type: no made-up fields", `[1]`, false, 400, nil},
		{"valid", `{"title":"t","description":null}`, false, 200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodPost, "/rules", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			if tt.deny {
				req.Header.Set("X-Deny", "1")
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status == 200 || tt.status == 403 {
				return
			}
			_, got := httpservertest.Problem(t, rec.Body.Bytes())
			if !slices.Equal(got, tt.fields) {
				t.Fatalf("fields %v, want %v: %s", got, tt.fields, rec.Body)
			}
		})
	}
}

// TestUnknownQueryParameterIsNamed: docs/api.md treats an undefined query
// parameter like an undefined body field, on every operation.
func TestUnknownQueryParameterIsNamed(t *testing.T) {
	t.Parallel()
	e := rulesEngine(t)
	tests := []struct {
		method, target, body string
		status               int
		field                string
	}{
		{http.MethodGet, "/rules/ping?foo=1", "", 422, "foo"},
		{http.MethodGet, "/rules/ping?entity_type=activity", "", 422, "entity_type"},
		{http.MethodPost, "/rules?limit=5&Limit=5", `{"title":"t"}`, 422, "Limit"},
		{http.MethodPost, "/rules?limit=5", `{"title":"t"}`, 200, ""},
		{http.MethodGet, "/rules/ping", "", 204, ""},
	}
	for _, tt := range tests {
		rec := serve(e, tt.method, tt.target, "application/json", tt.body)
		if rec.Code != tt.status {
			t.Fatalf("%s %s: %d, want %d: %s", tt.method, tt.target, rec.Code, tt.status, rec.Body)
		}
		if tt.field == "" {
			continue
		}
		want := `"fields":[{"field":"` + tt.field + `","message":"is not a known parameter"}]`
		if !strings.Contains(rec.Body.String(), `"code":"validation_failed"`) || !strings.Contains(rec.Body.String(), want) {
			t.Fatalf("%s %s: %s, want %s", tt.method, tt.target, rec.Body, want)
		}
	}
}

// TestMergePatchContentType: a PATCH may say application/merge-patch+json
// (RFC 7396, its semantics), with parameters; other requests may not, and
// any other type is still 415.
func TestMergePatchContentType(t *testing.T) {
	t.Parallel()
	e := rulesEngine(t)
	tests := []struct {
		method, contentType string
		status              int
	}{
		{http.MethodPatch, "application/merge-patch+json", 200},
		{http.MethodPatch, "application/merge-patch+json; charset=utf-8", 200},
		{http.MethodPatch, "Application/Merge-Patch+JSON", 200},
		{http.MethodPatch, "application/json", 200},
		{http.MethodPatch, "application/json-patch+json", 415},
		{http.MethodPatch, "text/plain", 415},
		{http.MethodPost, "application/merge-patch+json", 415},
		{http.MethodPost, "application/json; charset=utf-8", 200},
	}
	for _, tt := range tests {
		rec := serve(e, tt.method, "/rules", tt.contentType, `{"title":"t"}`)
		if rec.Code != tt.status {
			t.Errorf("%s with %q: %d, want %d: %s", tt.method, tt.contentType, rec.Code, tt.status, rec.Body)
		}
		if tt.status == 415 && !strings.Contains(rec.Body.String(), `"code":"unsupported_media_type"`) {
			t.Errorf("%s with %q: %s", tt.method, tt.contentType, rec.Body)
		}
	}
	// The merge patch is validated like any body.
	if rec := serve(e, http.MethodPatch, "/rules", "application/merge-patch+json", `{"title":"","x":1}`); rec.Code != 422 {
		t.Fatalf("invalid merge patch: %d %s", rec.Code, rec.Body)
	}
}

// TestDocumentSaysTheRequestRules: the OpenAPI document lists the merge
// patch type on PATCH bodies and a 422 on every operation (any of them may
// get an unknown query parameter).
func TestDocumentSaysTheRequestRules(t *testing.T) {
	t.Parallel()
	e := rulesEngine(t)
	rec := serve(e, http.MethodGet, "/openapi.json", "", "")
	var doc struct {
		Info  struct{ Description string }
		Paths map[string]map[string]struct {
			RequestBody *struct {
				Content map[string]json.RawMessage `json:"content"`
			} `json:"requestBody"`
			Responses map[string]struct{ Description string } `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	patch := doc.Paths["/rules"]["patch"].RequestBody
	if patch == nil || patch.Content["application/merge-patch+json"] == nil || patch.Content["application/json"] == nil {
		t.Fatalf("PATCH body content: %+v", patch)
	}
	if _, ok := doc.Paths["/rules"]["post"].RequestBody.Content["application/merge-patch+json"]; ok {
		t.Fatal("POST documents the merge patch type")
	}
	if d := doc.Paths["/rules/ping"]["get"].Responses["422"].Description; !strings.Contains(d, "query a parameter the operation does not define") {
		t.Fatalf("422 of an operation without parameters: %q", d)
	}
	for _, s := range []string{"merge-patch+json", "lone surrogate", "weak tag", "query parameter"} {
		if !strings.Contains(doc.Info.Description, s) {
			t.Errorf("the document's description does not say %q", s)
		}
	}
}
