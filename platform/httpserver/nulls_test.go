package httpserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestBodyShapeNamesTheField: huma lets null through for an optional
// property and panics on containers in a uniqueItems array; the platform
// answers 422 naming the field, and leaves nullable properties alone.
func TestBodyShapeNamesTheField(t *testing.T) {
	t.Parallel()
	e := textEngine(t)
	tests := []struct {
		name   string
		body   string
		status int
		field  string
	}{
		{"null in a non-nullable optional property", `{"name":null}`, 422, "name"},
		{"null in a nullable property", `{"note":null}`, 204, ""},
		{"null array item", `{"tags":[null]}`, 422, "tags[0]"},
		{"array in a uniqueItems array of strings", `{"tags":["x",["y"]]}`, 422, "tags[1]"},
		{"object in a uniqueItems array of strings", `{"tags":[{"a":1}]}`, 422, "tags[0]"},
		{"unknown field is still huma's", `{"other":null}`, 422, "other"},
		{"malformed JSON is still a 400", `{"name":`, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodPost, "/text/tags/a", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.field == "" {
				return
			}
			var env struct {
				Code    string `json:"code"`
				Details struct {
					Fields []struct{ Field string } `json:"fields"`
				} `json:"details"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
				t.Fatal(err)
			}
			if env.Code != "validation_failed" || len(env.Details.Fields) == 0 || env.Details.Fields[0].Field != tt.field {
				t.Fatalf("want validation_failed naming %q, got %s", tt.field, rec.Body)
			}
		})
	}
}
