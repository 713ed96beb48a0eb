package hardening

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// secondRoundFindings replays, through the binary, what the second
// hardening round (issue 19 items 4 to 9, issue 22 item 9) found getting
// through, and checks each now holds. It stores rows: it runs last.
func secondRoundFindings(t *testing.T, f *fixture) {
	for _, tt := range []struct {
		name string
		run  func(*testing.T, *fixture)
	}{
		{"LookAlikeEmails", lookAlikeEmails},
		{"LoneSurrogates", loneSurrogates},
		{"NULIsAFieldError", nulIsAFieldError},
		{"EveryInvalidField", everyInvalidField},
		{"IfMatchRFC9110", ifMatchRFC9110},
		{"FailedLoginsUnderTheAccount", failedLoginsUnderTheAccount},
		{"UnknownQueryAndMergePatch", unknownQueryAndMergePatch},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, f) })
	}
}

// fieldsOf decodes a 422 envelope's field names, sorted.
func fieldsOf(t *testing.T, r reply) []string {
	t.Helper()
	if err := refused(r); err != nil {
		t.Fatal(err)
	}
	var env struct {
		Code    string
		Details struct {
			Fields []struct{ Field string }
		}
	}
	if err := json.Unmarshal(r.body, &env); err != nil || env.Code != "validation_failed" {
		t.Fatalf("%d %s, want validation_failed", r.status, r.body)
	}
	var out []string
	for _, fe := range env.Details.Fields {
		out = append(out, fe.Field)
	}
	slices.Sort(out)
	return out
}

// lookAlikeEmails (19.4): an address with invisible, formatting or control
// characters is refused at sign-up naming email, and names no account at
// log-in (401) or password reset (202); internationalised ones sign up.
func lookAlikeEmails(t *testing.T, f *fixture) {
	for _, email := range []string{
		`member-hardening@exa\u200bmple.com`, `member\u200d-hardening@example.com`, `\u202emember-hardening@example.com`,
		`member-hardening@exam\u00adple.com`, `\ufeffmember-hardening@example.com`, `member-hardening\u2060@example.com`,
		`member-hardening@example.com\u0007`,
	} {
		body := []byte(`{"email":"` + email + `","password":"` + password + `"}`)
		r := send(t, f.base, request{method: "POST", path: "/v1/auth/signup", body: body})
		if got := fieldsOf(t, r); !slices.Equal(got, []string{"email"}) {
			t.Errorf("sign up %s: fields %v, want [email]", email, got)
		}
		if r := send(t, f.base, request{method: "POST", path: "/v1/auth/login", body: body}); r.status != http.StatusUnauthorized {
			t.Errorf("log in %s: %d %s", email, r.status, r.body)
		}
		reset := []byte(`{"email":"` + email + `"}`)
		if r := send(t, f.base, request{method: "POST", path: "/v1/auth/password-reset", body: reset}); r.status != http.StatusAccepted {
			t.Errorf("password reset %s: %d %s", email, r.status, r.body)
		}
	}
	for _, email := range []string{"jörg@bücher.de", "用户@例子.广告"} {
		r := send(t, f.base, request{method: "POST", path: "/v1/auth/signup", body: jsonBody(map[string]any{"email": email, "password": password})})
		if r.status != http.StatusCreated || !strings.Contains(string(r.body), email) {
			t.Errorf("sign up %s: %d %s", email, r.status, r.body)
		}
	}
}

// loneSurrogates (19.5): a lone surrogate escape is 400 anywhere in a
// body, never stored as U+FFFD; a valid pair is stored as sent.
func loneSurrogates(t *testing.T, f *fixture) {
	for _, body := range []string{
		`{"title":"a\ud800b"}`, `{"title":"a\udc00b"}`, `{"title":"ok","description":"\ud83d x"}`,
		`{"title":"\ud800\ud800"}`,
	} {
		r := send(t, f.base, request{method: "POST", path: "/v1/activities", token: f.adminToken, body: []byte(body)})
		if err := refused(r); err != nil || r.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", body, r.status, r.body)
		}
	}
	r := send(t, f.base, request{method: "POST", path: "/v1/activities", token: f.adminToken, body: []byte(`{"title":"smile \ud83d\ude00"}`)})
	if r.status != http.StatusCreated || !strings.Contains(string(r.body), "smile 😀") {
		t.Fatalf("a surrogate pair: %d %s", r.status, r.body)
	}
}

// nulIsAFieldError (19.9): \u0000 and other control characters are valid
// JSON: 422 naming the field, not 400 "not valid JSON".
func nulIsAFieldError(t *testing.T, f *fixture) {
	for _, body := range []string{`{"title":"a\u0000b"}`, `{"title":"a\u0001b"}`, `{"title":"a\u001fb"}`} {
		r := send(t, f.base, request{method: "POST", path: "/v1/activities", token: f.adminToken, body: []byte(body)})
		if got := fieldsOf(t, r); !slices.Equal(got, []string{"title"}) {
			t.Errorf("%s: fields %v, want [title]", body, got)
		}
	}
	r := send(t, f.base, request{method: "POST", path: "/v1/activities", token: f.adminToken,
		body: []byte(`{"title":"t","description":"a\u0000b"}`)})
	if got := fieldsOf(t, r); !slices.Equal(got, []string{"description"}) {
		t.Errorf("NUL in the description: fields %v", got)
	}
}

// everyInvalidField (19.8): one 422 names every invalid field, on create,
// update and sign-up.
func everyInvalidField(t *testing.T, f *fixture) {
	long := strings.Repeat("d", 5001)
	tests := []struct {
		method, path string
		body         map[string]any
		fields       []string
	}{
		{"POST", "/v1/activities", map[string]any{"title": "", "description": long}, []string{"description", "title"}},
		{"POST", "/v1/activities", map[string]any{"title": "a\nb", "description": long, "status": "paused"}, []string{"description", "status", "title"}},
		{"PATCH", "/v1/activities/" + f.activityID, map[string]any{"title": "", "description": long}, []string{"description", "title"}},
		{"POST", "/v1/auth/signup", map[string]any{"email": "nope", "password": "short", "displayName": strings.Repeat("n", 101)}, []string{"displayName", "email", "password"}},
	}
	for _, tt := range tests {
		r := send(t, f.base, request{method: tt.method, path: tt.path, token: f.adminToken, body: jsonBody(tt.body),
			header: map[string]string{"If-Match": f.activityETag}})
		if got := fieldsOf(t, r); !slices.Equal(got, tt.fields) {
			t.Errorf("%s %s: fields %v, want %v", tt.method, tt.path, got, tt.fields)
		}
	}
}

// ifMatchRFC9110 (19.6): a weak tag never matches, a list matches when any
// strong tag does, "*" is 428 with a message that invents no version.
func ifMatchRFC9110(t *testing.T, f *fixture) {
	a := f.mustJSON(t, http.StatusCreated, request{method: "POST", path: "/v1/activities", token: f.adminToken,
		body: jsonBody(map[string]any{"title": "if-match"})})
	path := "/v1/activities/" + a.str(t, "id")
	patch := func(ifMatch string) reply {
		return send(t, f.base, request{method: "PATCH", path: path, token: f.adminToken,
			body: jsonBody(map[string]any{"title": "if-match " + ifMatch}), header: map[string]string{"If-Match": ifMatch}})
	}
	for _, tt := range []struct {
		ifMatch string
		status  int
	}{
		{`W/"1"`, 412}, {`W/"1", W/"2"`, 412}, {`"2", "3"`, 412}, {`1`, 412}, {`"1" "2"`, 412}, {"*", 428}, {"", 428},
		{`"2", "1"`, 200},        // version 1 -> 2
		{`"3", W/"2", "2"`, 200}, // version 2 -> 3
	} {
		r := patch(tt.ifMatch)
		if r.status != tt.status {
			t.Errorf("If-Match %q: %d %s, want %d", tt.ifMatch, r.status, r.body, tt.status)
		}
		if tt.status == 428 && strings.ContainsAny(envelopeMessage(t, r), "0123456789") {
			t.Errorf("If-Match %q: the 428 suggests a version: %s", tt.ifMatch, r.body)
		}
	}
	for _, ifMatch := range []string{`W/"3"`, `"4", "5"`} {
		r := send(t, f.base, request{method: "DELETE", path: path, token: f.adminToken, header: map[string]string{"If-Match": ifMatch}})
		if r.status != http.StatusPreconditionFailed {
			t.Errorf("DELETE If-Match %q: %d %s", ifMatch, r.status, r.body)
		}
	}
	if r := send(t, f.base, request{method: "DELETE", path: path, token: f.adminToken, header: map[string]string{"If-Match": `"9", "3"`}}); r.status != http.StatusNoContent {
		t.Errorf("DELETE with a list naming the version: %d %s", r.status, r.body)
	}
	// Identity's versioned routes follow the same comparison.
	user := f.mustJSON(t, http.StatusOK, request{method: "GET", path: "/v1/users/" + f.memberID, token: f.adminToken})
	version := user.etag
	roles := jsonBody(map[string]any{"roles": []string{"member"}})
	for _, ifMatch := range []string{"W/" + version, `"998", "999"`} {
		r := send(t, f.base, request{method: "PUT", path: "/v1/users/" + f.memberID + "/roles", token: f.adminToken, body: roles, header: map[string]string{"If-Match": ifMatch}})
		if r.status != http.StatusPreconditionFailed {
			t.Errorf("PUT roles If-Match %q: %d %s", ifMatch, r.status, r.body)
		}
	}
	if r := send(t, f.base, request{method: "POST", path: "/v1/users/" + f.memberID + "/deactivate", token: f.adminToken, header: map[string]string{"If-Match": "W/" + version}}); r.status != http.StatusPreconditionFailed {
		t.Errorf("deactivate with a weak tag: %d %s", r.status, r.body)
	}
}

func envelopeMessage(t *testing.T, r reply) string {
	t.Helper()
	var env envelope
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("%d %s", r.status, r.body)
	}
	return env.Message
}

// failedLoginsUnderTheAccount (19.7): a failed login for an existing
// account is listed when an auditor filters by the account's id, with the
// same answer as for an unknown email; an unknown email's has no entity.
func failedLoginsUnderTheAccount(t *testing.T, f *fixture) {
	email := "watched-hardening@example.com"
	id := f.mustJSON(t, http.StatusCreated, request{method: "POST", path: "/v1/auth/signup",
		body: jsonBody(map[string]any{"email": email, "password": password})}).str(t, "id")
	known := send(t, f.base, request{method: "POST", path: "/v1/auth/login", body: jsonBody(map[string]any{"email": email, "password": "not the password at all"})})
	unknown := send(t, f.base, request{method: "POST", path: "/v1/auth/login", body: jsonBody(map[string]any{"email": "nobody-hardening@example.com", "password": "not the password at all"})})
	if known.status != 401 || unknown.status != 401 || envelopeMessage(t, known) != envelopeMessage(t, unknown) {
		t.Fatalf("known %d %s, unknown %d %s: the answers differ", known.status, known.body, unknown.status, unknown.body)
	}
	// An auditor (not only an admin) reads the audit log.
	auditorEmail := "auditor-hardening@example.com"
	auditorID := f.mustJSON(t, http.StatusCreated, request{method: "POST", path: "/v1/auth/signup",
		body: jsonBody(map[string]any{"email": auditorEmail, "password": password})}).str(t, "id")
	cur := f.mustJSON(t, http.StatusOK, request{method: "GET", path: "/v1/users/" + auditorID, token: f.adminToken})
	f.mustJSON(t, http.StatusOK, request{method: "PUT", path: "/v1/users/" + auditorID + "/roles", token: f.adminToken,
		body: jsonBody(map[string]any{"roles": []string{"auditor"}}), header: map[string]string{"If-Match": cur.etag}})
	auditor, _ := f.login(t, auditorEmail)
	q := url.Values{"entityType": {"user"}, "entityId": {id}, "action": {"user.login_failed"}}
	page := send(t, f.base, request{method: "GET", path: "/v1/audit-events?" + q.Encode(), token: auditor})
	var events struct {
		Items []struct {
			Actor, EntityID string
			Metadata        map[string]any
		}
	}
	if page.status != 200 || json.Unmarshal(page.body, &events) != nil || len(events.Items) != 1 {
		t.Fatalf("login_failed events under the account: %d %s", page.status, page.body)
	}
	if e := events.Items[0]; e.EntityID != id || e.Actor != "system" || e.Metadata["reason"] != "wrong_password" {
		t.Fatalf("event %+v", e)
	}
	q = url.Values{"action": {"user.login_failed"}, "limit": {"100"}}
	page = send(t, f.base, request{method: "GET", path: "/v1/audit-events?" + q.Encode(), token: auditor})
	if page.status != 200 || json.Unmarshal(page.body, &events) != nil {
		t.Fatalf("login_failed events: %d %s", page.status, page.body)
	}
	for _, e := range events.Items {
		if e.Metadata["email"] == "nobody-hardening@example.com" && e.EntityID != "" {
			t.Fatalf("an unknown email's failed login names entity %q", e.EntityID)
		}
	}
}

// unknownQueryAndMergePatch (22.9): an undefined query parameter is 422
// naming it; PATCH takes application/merge-patch+json; the rest stays 415.
func unknownQueryAndMergePatch(t *testing.T, f *fixture) {
	for _, path := range []string{"/v1/audit-events?entity_type=activity", "/v1/activities?foo=1", "/v1/me?x=1", "/healthz?verbose=1"} {
		r := send(t, f.base, request{method: "GET", path: path, token: f.adminToken})
		name := path[strings.Index(path, "?")+1 : strings.Index(path, "=")]
		if got := fieldsOf(t, r); !slices.Equal(got, []string{name}) {
			t.Errorf("GET %s: fields %v, want [%s]", path, got, name)
		}
	}
	for _, tt := range []struct {
		contentType string
		status      int
	}{
		{"application/merge-patch+json", 200},
		{"application/merge-patch+json; charset=utf-8", 200},
		{"application/json-patch+json", 415},
		{"text/plain", 415},
	} {
		cur := f.mustJSON(t, http.StatusOK, request{method: "GET", path: "/v1/activities/" + f.activityID, token: f.adminToken})
		r := send(t, f.base, request{method: "PATCH", path: "/v1/activities/" + f.activityID, token: f.adminToken, contentType: tt.contentType,
			body: jsonBody(map[string]any{"description": fmt.Sprintf("merge patch as %s", tt.contentType)}), header: map[string]string{"If-Match": cur.etag}})
		if r.status != tt.status {
			t.Errorf("PATCH as %s: %d %s, want %d", tt.contentType, r.status, r.body, tt.status)
		}
	}
	r := send(t, f.base, request{method: "POST", path: "/v1/activities", token: f.adminToken, contentType: "application/merge-patch+json",
		body: jsonBody(map[string]any{"title": "not a patch"})})
	if r.status != http.StatusUnsupportedMediaType {
		t.Errorf("POST as merge patch: %d %s", r.status, r.body)
	}
}
