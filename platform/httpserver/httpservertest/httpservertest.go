// Package httpservertest reads the error envelope of docs/api.md in tests
// of HTTP handlers, so each module's tests assert on the code and the
// named fields without decoding the envelope themselves.
package httpservertest

import (
	"encoding/json"
	"slices"
	"testing"
)

// Problem returns the envelope's code and the fields its
// validation_failed details name, sorted, so that a test compares them
// with a sorted list whatever order the validator reported them in.
func Problem(t testing.TB, body []byte) (code string, fields []string) {
	t.Helper()
	var env struct {
		Code    string `json:"code"`
		Details struct {
			Fields []struct{ Field string } `json:"fields"`
		} `json:"details"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("not an error envelope: %v: %s", err, body)
	}
	for _, f := range env.Details.Fields {
		fields = append(fields, f.Field)
	}
	slices.Sort(fields)
	return env.Code, fields
}
