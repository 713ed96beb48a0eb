package httpserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gin-gonic/gin"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/httpserver"
)

// fuzzActivity mirrors the shape of a real create body: bounded strings,
// a nullable field, an enum, an array and a nested object, no other field.
type fuzzActivity struct {
	Title       string          `json:"title" minLength:"1" maxLength:"200"`
	Description *string         `json:"description,omitempty" maxLength:"5000" nullable:"true"`
	Status      string          `json:"status,omitempty" enum:"planned,in_progress,done,cancelled"`
	Tags        []string        `json:"tags,omitempty" maxItems:"20"`
	Window      *fuzzTimeWindow `json:"window,omitempty"`
}

type fuzzTimeWindow struct {
	Minutes int    `json:"minutes" minimum:"1" maximum:"1440"`
	Note    string `json:"note,omitempty" maxLength:"50"`
}

type fuzzCreateInput struct {
	Q    string `query:"q" maxLength:"100"`
	Body fuzzActivity
}

type fuzzPatchInput struct {
	ID      string `path:"id" maxLength:"36"`
	IfMatch string `header:"If-Match"`
	Body    map[string]any
}

type fuzzOutput struct {
	Body struct {
		ID string `json:"id"`
	}
}

// errBrokenInvariant is what a handler answers when the router let
// through input that its schema forbids: a 500, which the fuzz test treats
// as a failure.
var errBrokenInvariant = errors.New("router let invalid input through")

func fuzzRoutes(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "fuzz-create", Method: http.MethodPost, Path: "/fuzz/items", Tags: []string{"Fuzz"}, DefaultStatus: 201},
		func(_ context.Context, in *fuzzCreateInput) (*fuzzOutput, error) {
			b := in.Body
			n := utf8.RuneCountInString(b.Title)
			switch {
			case n < 1 || n > 200, len(b.Tags) > 20, utf8.RuneCountInString(in.Q) > 100,
				b.Description != nil && utf8.RuneCountInString(*b.Description) > 5000,
				b.Window != nil && (b.Window.Minutes < 1 || b.Window.Minutes > 1440),
				b.Status != "" && !strings.Contains(",planned,in_progress,done,cancelled,", ","+b.Status+","):
				return nil, fmt.Errorf("%w: %+v", errBrokenInvariant, b)
			}
			return &fuzzOutput{}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "fuzz-patch", Method: http.MethodPatch, Path: "/fuzz/items/{id}", Tags: []string{"Fuzz"}},
		func(_ context.Context, in *fuzzPatchInput) (*fuzzOutput, error) {
			if in.IfMatch == "" {
				return nil, apperr.PreconditionRequired("send If-Match")
			}
			out := &fuzzOutput{}
			out.Body.ID = in.ID
			return out, nil
		})
}

func fuzzEngine(t testing.TB) *gin.Engine {
	t.Helper()
	cfg, err := config.LoadEnv(map[string]string{"HTTP_BODY_LIMIT": "65536"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := httpserver.NewEngine(httpserver.EngineOptions{HTTP: cfg.HTTP})
	if err != nil {
		t.Fatal(err)
	}
	httpserver.NewAPI(e, httpserver.APIConfig{BodyLimit: cfg.HTTP.BodyLimit}, httpserver.RoutesFunc(fuzzRoutes))
	return e
}

// FuzzJSONBody sends arbitrary bodies, content types, query and path
// values through the platform's real router (gin, every middleware, huma
// validation, the envelope): nothing may answer 5xx, every error is the
// envelope with the code that matches its status and the request id of
// the response, and handlers only ever see input their schema allows.
func FuzzJSONBody(f *testing.F) {
	e := fuzzEngine(f)
	f.Add([]byte(`{"title":"walk"}`), "application/json", "q", "0192")
	f.Add([]byte(`{"title":""}`), "application/json; charset=utf-8", "", "x")
	f.Add([]byte(`[]`), "text/plain", "", "")
	f.Add([]byte(`{"title":"a\ud800b"}`), "application/json", "", "x")
	f.Add([]byte(`{"title":"\ud83d\ude00","window":{"note":"\udc00"}}`), "application/merge-patch+json", "", "x")
	f.Fuzz(func(t *testing.T, body []byte, contentType, query, id string) {
		for _, method := range []string{http.MethodPost, http.MethodPatch} {
			target := "/fuzz/items?" + url.Values{"q": {query}}.Encode()
			if method == http.MethodPatch {
				target = "/fuzz/items/" + url.PathEscape(id)
			}
			req := httptest.NewRequest(method, target, bytes.NewReader(body))
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			req.Header.Set("If-Match", `"1"`)
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			checkResponse(t, method, body, rec)
		}
	})
}

func checkResponse(t *testing.T, method string, body []byte, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s %q answered %d: %s", method, body, rec.Code, rec.Body.String())
	}
	if rec.Code < 400 {
		var sent any
		if !utf8.Valid(body) || (json.Unmarshal(body, &sent) == nil && containsNUL(sent)) {
			t.Fatalf("%s %q with invalid UTF-8 or a NUL character answered %d", method, body, rec.Code)
		}
		if replaced(body, sent) {
			t.Fatalf("%s %q with a lone surrogate escape answered %d", method, body, rec.Code)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %q answered %d with invalid JSON %q", method, body, rec.Code, rec.Body.String())
		}
		return
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("%s %q answered %d with Content-Type %q", method, body, rec.Code, ct)
	}
	var env struct {
		Code      apperr.Code    `json:"code"`
		Message   string         `json:"message"`
		Details   map[string]any `json:"details"`
		RequestID string         `json:"requestId"`
	}
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		t.Fatalf("%s %q answered %d without the envelope: %v", method, body, rec.Code, err)
	}
	if env.Code.Status() != rec.Code || env.Message == "" || env.Details == nil || env.RequestID == "" ||
		env.RequestID != rec.Header().Get("X-Request-Id") {
		t.Fatalf("%s %q answered %d with envelope %+v", method, body, rec.Code, env)
	}
}

func containsNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.ContainsRune(v, 0)
	case []any:
		for _, x := range v {
			if containsNUL(x) {
				return true
			}
		}
	case map[string]any:
		for k, x := range v {
			if strings.ContainsRune(k, 0) || containsNUL(x) {
				return true
			}
		}
	}
	return false
}

// replaced reports whether decoding body made a U+FFFD the client did not
// send (raw or escaped): what encoding/json puts for a lone surrogate.
func replaced(body []byte, decoded any) bool {
	text := strings.ToLower(string(body))
	if strings.Contains(text, `\ufffd`) || strings.ContainsRune(text, utf8.RuneError) {
		return false
	}
	b, _ := json.Marshal(decoded)
	return strings.ContainsRune(string(b), utf8.RuneError) || strings.Contains(string(b), `\ufffd`)
}
