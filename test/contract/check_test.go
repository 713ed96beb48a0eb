package contract

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCheckFindsDiscrepancies feeds Check and Expect responses that break
// the document or docs/api.md in one way each, with no server: every one must
// be reported, and a conforming response must not be.
func TestCheckFindsDiscrepancies(t *testing.T) {
	spec := committedDoc(t)
	var getMe, createActivity *Operation
	for _, op := range spec.Ops {
		switch op.ID {
		case "get-me":
			getMe = op
		case "create-activity":
			createActivity = op
		}
	}
	if getMe == nil || createActivity == nil {
		t.Fatal("the document lacks get-me or create-activity")
	}
	const rid = "req-1"
	user := `{"id":"01a21626-6c42-7cc8-9028-ba20ad450336","email":"a@example.com","displayName":null,"roles":["member"],` +
		`"emailVerified":false,"active":true,"createdAt":"2026-11-26T04:39:06.562Z","updatedAt":"2026-11-26T04:39:06.562Z","version":1}`
	headers := func(kv ...string) http.Header {
		h := http.Header{"X-Request-Id": {rid}, "X-Content-Type-Options": {"nosniff"}, "Content-Type": {"application/json; charset=utf-8"}}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	unauthorized := `{"code":"unauthorized","message":"m","details":{},"requestId":"req-1"}`
	tests := []struct {
		name   string
		op     *Operation
		resp   Response
		report string // "" when the response conforms
	}{
		{"conforming", getMe, Response{200, headers("ETag", `"1"`), []byte(user)}, ""},
		{"conforming error", getMe, Response{401, headers("WWW-Authenticate", "Bearer", "Cache-Control", "no-store"), []byte(unauthorized)}, ""},
		{"5xx", getMe, Response{500, headers("Cache-Control", "no-store"), []byte(`{"code":"internal","message":"m","details":{},"requestId":"req-1"}`)}, "no request may produce a 5xx"},
		{"status only default covers", getMe, Response{418, headers("Cache-Control", "no-store"), []byte(`{"code":"bad_request","message":"m","details":{},"requestId":"req-1"}`)}, "status 418 is not declared"},
		{"undeclared header", getMe, Response{200, headers("ETag", `"1"`, "X-Powered-By", "gin"), []byte(user)}, "X-Powered-By is not declared"},
		{"body off schema", getMe, Response{200, headers("ETag", `"1"`), []byte(strings.Replace(user, `"active":true`, `"active":"yes"`, 1))}, "does not match the document"},
		{"unknown property", getMe, Response{200, headers("ETag", `"1"`), []byte(strings.Replace(user, `"version":1`, `"version":1,"passwordHash":"x"`, 1))}, "does not match the document"},
		{"timestamp without milliseconds", getMe, Response{200, headers("ETag", `"1"`), []byte(strings.Replace(user, `06.562Z","updatedAt`, `06Z","updatedAt`, 1))}, "does not match the document"},
		{"ETag not the version", getMe, Response{200, headers("ETag", `"2"`), []byte(user)}, "want \"1\""},
		{"no request id", getMe, Response{200, http.Header{"Content-Type": {"application/json; charset=utf-8"}, "X-Content-Type-Options": {"nosniff"}, "Etag": {`"1"`}}, []byte(user)}, "X-Request-Id"},
		{"envelope of another request", getMe, Response{401, headers("WWW-Authenticate", "Bearer", "Cache-Control", "no-store"), []byte(strings.Replace(unauthorized, "req-1", "req-2", 1))}, "differs from X-Request-Id"},
		{"error without no-store", getMe, Response{401, headers("WWW-Authenticate", "Bearer"), []byte(unauthorized)}, "no-store"},
		{"401 without a challenge", getMe, Response{401, headers("Cache-Control", "no-store"), []byte(unauthorized)}, "WWW-Authenticate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Request{Op: tt.op, Path: map[string]string{}, Query: url.Values{}, Header: http.Header{}, Principal: "member", Token: "x"}
			resp := tt.resp
			problems := strings.Join(spec.Check(r, &resp), "\n")
			if tt.report == "" && problems != "" {
				t.Fatalf("a conforming response was reported:\n%s", problems)
			}
			if !strings.Contains(problems, tt.report) {
				t.Fatalf("want a report containing %q, got:\n%s", tt.report, problems)
			}
		})
	}

	t.Run("breakage answered with the wrong status or code", func(t *testing.T) {
		m := &Mutation{Kind: "body: unknown field", Target: "id", Statuses: []int{422}, Code: "validation_failed", Field: "id"}
		ok := &Response{422, headers(), []byte(`{"code":"validation_failed","message":"m","details":{"fields":[{"field":"id","message":"unknown"}]},"requestId":"req-1"}`)}
		if p := Expect(m, ok); len(p) > 0 {
			t.Fatalf("the expected answer was reported: %v", p)
		}
		for _, bad := range []*Response{
			{201, headers(), []byte(`{}`)},
			{422, headers(), []byte(`{"code":"conflict","message":"m","details":{},"requestId":"req-1"}`)},
			{422, headers(), []byte(`{"code":"validation_failed","message":"m","details":{"fields":[{"field":"title","message":"x"}]},"requestId":"req-1"}`)},
		} {
			if len(Expect(m, bad)) == 0 {
				t.Errorf("a wrong answer passed: %d %s", bad.Status, bad.Body)
			}
		}
	})
}
