package activities_test

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var (
	uuidV7    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	timestamp = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
)

// testCreate: POST /v1/activities answers 201, the activity, Location and
// ETag.
func testCreate(t *testing.T) {
	alice := newMember(t)
	r := expect(t, call(t, alice, "POST", "/v1/activities", map[string]any{"title": "  Morning run  "}), http.StatusCreated)
	a := r.json(t)
	id, _ := a["id"].(string)
	if !uuidV7.MatchString(id) {
		t.Fatalf("id %q is not a UUIDv7", id)
	}
	want := map[string]any{
		"title": "Morning run", "description": nil, "status": "planned", "ownerId": alice.id,
		"createdBy": alice.id, "updatedBy": alice.id, "version": float64(1),
	}
	for k, v := range want {
		if a[k] != v {
			t.Errorf("%s = %#v, want %#v", k, a[k], v)
		}
	}
	for _, k := range []string{"createdAt", "updatedAt"} {
		if s, _ := a[k].(string); !timestamp.MatchString(s) {
			t.Errorf("%s = %q, want RFC 3339 UTC with milliseconds", k, a[k])
		}
	}
	if len(a) != 10 {
		t.Errorf("activity has %d fields, want 10: %v", len(a), a)
	}
	if got := r.header.Get("Location"); got != "/v1/activities/"+id {
		t.Errorf("Location = %q", got)
	}
	if got := r.header.Get("ETag"); got != `"1"` {
		t.Errorf("ETag = %q", got)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}

	full := create(t, alice, map[string]any{"title": "Swim", "description": "50 lengths", "status": "in_progress"})
	if full["description"] != "50 lengths" || full["status"] != "in_progress" {
		t.Fatalf("created %v", full)
	}
}

// testCreateRejectsBadInput covers the title, description and status rules
// and mass assignment: every bad body is a 4xx envelope naming the field.
func testCreateRejectsBadInput(t *testing.T) {
	alice := newMember(t)
	tests := []struct {
		name      string
		body      string
		wantCode  string
		wantField string
	}{
		{"empty title", `{"title":""}`, "validation_failed", "title"},
		{"blank title", `{"title":"   "}`, "validation_failed", "title"},
		{"title of 201 characters", `{"title":"` + strings.Repeat("a", 201) + `"}`, "validation_failed", "title"},
		{"title with a control character", `{"title":"a\u0007b"}`, "validation_failed", "title"},
		{"title with a newline", `{"title":"a\nb"}`, "validation_failed", "title"},
		{"missing title", `{"description":"x"}`, "validation_failed", "title"},
		{"null title", `{"title":null}`, "validation_failed", "title"},
		{"description of 5001 characters", `{"title":"t","description":"` + strings.Repeat("d", 5001) + `"}`, "validation_failed", "description"},
		{"unknown status", `{"title":"t","status":"paused"}`, "validation_failed", "status"},
		{"mass assignment of id", `{"title":"t","id":"01900000-0000-7000-8000-000000000000"}`, "validation_failed", "id"},
		{"mass assignment of version", `{"title":"t","version":7}`, "validation_failed", "version"},
		{"mass assignment of ownerId", `{"title":"t","ownerId":"01900000-0000-7000-8000-000000000000"}`, "validation_failed", "ownerId"},
		{"mass assignment of createdBy", `{"title":"t","createdBy":"01900000-0000-7000-8000-000000000000"}`, "validation_failed", "createdBy"},
		{"malformed JSON", `{"title":`, "bad_request", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := call(t, alice, "POST", "/v1/activities", tt.body)
			if r.status < 400 || r.status >= 500 || r.code(t) != tt.wantCode {
				t.Fatalf("%d %s, want %s", r.status, r.body, tt.wantCode)
			}
			if tt.wantField != "" && !slices.Contains(r.fields(t), tt.wantField) {
				t.Fatalf("fields %v do not name %q: %s", r.fields(t), tt.wantField, r.body)
			}
		})
	}
	if n := count(t, `SELECT count(*) FROM activities.activities WHERE owner_id = $1`, alice.id); n != 0 {
		t.Fatalf("%d activities created by rejected requests", n)
	}
	r := call(t, alice, "POST", "/v1/activities", `{"title":"t"}`, "Content-Type", "text/plain")
	if r.status != http.StatusUnsupportedMediaType || r.code(t) != "unsupported_media_type" {
		t.Fatalf("text/plain body: %d %s", r.status, r.body)
	}
}

// testGet: 200 with ETag; If-None-Match gives 304 without a body; unknown,
// malformed, deleted and other members' ids are 404.
func testGet(t *testing.T) {
	alice, bob := newMember(t), newMember(t)
	a := create(t, alice, map[string]any{"title": "Read me"})
	path := "/v1/activities/" + a["id"].(string)

	r := expect(t, call(t, alice, "GET", path, nil), http.StatusOK)
	if r.header.Get("ETag") != `"1"` || r.json(t)["id"] != a["id"] {
		t.Fatalf("GET: %v %s", r.header, r.body)
	}
	if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control = %q", cc)
	}
	tests := []struct {
		name    string
		as      *user
		path    string
		headers []string
		status  int
	}{
		{"If-None-Match matching", alice, path, []string{"If-None-Match", `"1"`}, http.StatusNotModified},
		{"If-None-Match weak", alice, path, []string{"If-None-Match", `W/"1"`}, http.StatusNotModified},
		{"If-None-Match stale", alice, path, []string{"If-None-Match", `"7"`}, http.StatusOK},
		{"admin sees it", admin(t), path, nil, http.StatusOK},
		{"another member", bob, path, nil, http.StatusNotFound},
		{"unknown id", alice, "/v1/activities/01900000-0000-7000-8000-000000000000", nil, http.StatusNotFound},
		{"malformed id", alice, "/v1/activities/not-a-uuid", nil, http.StatusNotFound},
		{"anonymous", nil, path, nil, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		r := call(t, tt.as, "GET", tt.path, nil, tt.headers...)
		if r.status != tt.status {
			t.Errorf("%s: %d, want %d: %s", tt.name, r.status, tt.status, r.body)
			continue
		}
		if tt.status == http.StatusNotModified && len(r.body) != 0 {
			t.Errorf("%s: 304 with a body: %q", tt.name, r.body)
		}
		if tt.status == http.StatusNotFound && r.code(t) != "not_found" {
			t.Errorf("%s: code %q", tt.name, r.code(t))
		}
	}
}

// testPatch covers merge-patch semantics, If-Match and versions.
func testPatch(t *testing.T) {
	alice := newMember(t)
	a := create(t, alice, map[string]any{"title": "Draft", "description": "notes"})
	path := "/v1/activities/" + a["id"].(string)

	steps := []struct {
		name      string
		body      string
		ifMatch   string
		status    int
		wantCode  string
		wantField string
		check     map[string]any
	}{
		{"no If-Match", `{"title":"x"}`, "", 428, "precondition_required", "", nil},
		{"If-Match *", `{"title":"x"}`, "*", 428, "precondition_required", "", nil},
		{"stale If-Match", `{"title":"x"}`, `"2"`, 412, "precondition_failed", "", nil},
		{"garbage If-Match", `{"title":"x"}`, `"abc"`, 412, "precondition_failed", "", nil},
		{"rename", `{"title":" Final "}`, `"1"`, 200, "", "", map[string]any{"title": "Final", "description": "notes", "version": float64(2)}},
		{"absent fields unchanged", `{}`, `"2"`, 200, "", "", map[string]any{"title": "Final", "description": "notes", "version": float64(2)}},
		{"null description clears it", `{"description":null}`, `"2"`, 200, "", "", map[string]any{"description": nil, "version": float64(3)}},
		{"null title is rejected", `{"title":null}`, `"3"`, 422, "validation_failed", "title", nil},
		{"null status is rejected", `{"status":null}`, `"3"`, 422, "validation_failed", "status", nil},
		{"invalid title", `{"title":""}`, `"3"`, 422, "validation_failed", "title", nil},
		{"unknown field", `{"ownerId":"01900000-0000-7000-8000-000000000000"}`, `"3"`, 422, "validation_failed", "ownerId", nil},
		{"version is not writable", `{"version":9}`, `"3"`, 422, "validation_failed", "version", nil},
		{"planned to done is a conflict", `{"status":"done"}`, `"3"`, 409, "conflict", "", nil},
		{"start", `{"status":"in_progress"}`, `"3"`, 200, "", "", map[string]any{"status": "in_progress", "version": float64(4)}},
		{"finish", `{"status":"done"}`, `"4"`, 200, "", "", map[string]any{"status": "done", "version": float64(5)}},
		{"done is final", `{"status":"cancelled"}`, `"5"`, 409, "conflict", "", nil},
		{"set a description", `{"description":"after"}`, `"5"`, 200, "", "", map[string]any{"description": "after", "version": float64(6)}},
	}
	for _, s := range steps {
		headers := []string{}
		if s.ifMatch != "" {
			headers = append(headers, "If-Match", s.ifMatch)
		}
		r := call(t, alice, "PATCH", path, s.body, headers...)
		if r.status != s.status {
			t.Fatalf("%s: %d, want %d: %s", s.name, r.status, s.status, r.body)
		}
		if s.wantCode != "" && r.code(t) != s.wantCode {
			t.Fatalf("%s: code %q, want %q", s.name, r.code(t), s.wantCode)
		}
		if s.wantField != "" && !slices.Contains(r.fields(t), s.wantField) {
			t.Fatalf("%s: fields %v", s.name, r.fields(t))
		}
		if s.status == 409 {
			d, _ := r.json(t)["details"].(map[string]any)
			if d["reason"] != "invalid_status_transition" {
				t.Fatalf("%s: details %v", s.name, d)
			}
		}
		if s.check == nil {
			continue
		}
		body := r.json(t)
		for k, v := range s.check {
			if body[k] != v {
				t.Fatalf("%s: %s = %#v, want %#v", s.name, k, body[k], v)
			}
		}
		if want := `"` + strconv.Itoa(int(body["version"].(float64))) + `"`; r.header.Get("ETag") != want {
			t.Fatalf("%s: ETag %q, want %q", s.name, r.header.Get("ETag"), want)
		}
	}
	got := expect(t, call(t, alice, "GET", path, nil), http.StatusOK).json(t)
	if got["updatedAt"] == got["createdAt"] || got["updatedBy"] != alice.id {
		t.Errorf("after the patches: %v", got)
	}
}

// testDelete: If-Match required, 204, then 404 everywhere.
func testDelete(t *testing.T) {
	alice := newMember(t)
	a := create(t, alice, map[string]any{"title": "Doomed"})
	path := "/v1/activities/" + a["id"].(string)

	if r := call(t, alice, "DELETE", path, nil); r.status != 428 || r.code(t) != "precondition_required" {
		t.Fatalf("without If-Match: %d %s", r.status, r.body)
	}
	if r := call(t, alice, "DELETE", path, nil, "If-Match", `"2"`); r.status != 412 {
		t.Fatalf("stale: %d %s", r.status, r.body)
	}
	r := expect(t, call(t, alice, "DELETE", path, nil, "If-Match", `"1"`), http.StatusNoContent)
	if len(r.body) != 0 {
		t.Fatalf("204 with a body: %q", r.body)
	}
	expect(t, call(t, alice, "GET", path, nil), http.StatusNotFound)
	expect(t, call(t, alice, "PATCH", path, `{"title":"x"}`, "If-Match", `"2"`), http.StatusNotFound)
	expect(t, call(t, alice, "DELETE", path, nil, "If-Match", `"2"`), http.StatusNotFound)
	page := expect(t, call(t, alice, "GET", "/v1/activities", nil), http.StatusOK).json(t)
	if items := page["items"].([]any); len(items) != 0 {
		t.Fatalf("the deleted activity is still listed: %v", items)
	}
	if n := count(t, `SELECT count(*) FROM activities.activities WHERE id = $1 AND deleted_at IS NOT NULL`, a["id"]); n != 1 {
		t.Fatal("the row is not soft-deleted")
	}
}

// testMembersCannotTouchOthersActivities: another member's activity does
// not exist for them (404, never 403), and nothing changes.
func testMembersCannotTouchOthersActivities(t *testing.T) {
	alice, bob := newMember(t), newMember(t)
	a := create(t, alice, map[string]any{"title": "Alice's"})
	path := "/v1/activities/" + a["id"].(string)
	tests := []struct {
		name, method, body string
		headers            []string
	}{
		{"see", "GET", "", nil},
		{"change", "PATCH", `{"title":"Bob's now"}`, []string{"If-Match", `"1"`}},
		{"delete", "DELETE", "", []string{"If-Match", `"1"`}},
	}
	for _, tt := range tests {
		var body any
		if tt.body != "" {
			body = tt.body
		}
		if r := call(t, bob, tt.method, path, body, tt.headers...); r.status != 404 || r.code(t) != "not_found" {
			t.Errorf("bob cannot %s: %d %s", tt.name, r.status, r.body)
		}
	}
	page := expect(t, call(t, bob, "GET", "/v1/activities?ownerId="+alice.id, nil), http.StatusOK).json(t)
	if items := page["items"].([]any); len(items) != 0 || page["nextCursor"] != nil {
		t.Errorf("bob listed alice's activities: %v", page)
	}
	got := expect(t, call(t, alice, "GET", path, nil), http.StatusOK).json(t)
	if got["title"] != "Alice's" || got["version"] != float64(1) {
		t.Fatalf("alice's activity changed: %v", got)
	}
}

// testAdminManagesEveryonesActivities: admins read, update and delete
// every user's activities.
func testAdminManagesEveryonesActivities(t *testing.T) {
	alice, adm := newMember(t), admin(t)
	a := create(t, alice, map[string]any{"title": "Alice's"})
	path := "/v1/activities/" + a["id"].(string)
	expect(t, call(t, adm, "GET", path, nil), http.StatusOK)
	upd := expect(t, call(t, adm, "PATCH", path, `{"status":"cancelled"}`, "If-Match", `"1"`), http.StatusOK).json(t)
	if upd["updatedBy"] != adm.id || upd["ownerId"] != alice.id {
		t.Fatalf("after the admin's patch: %v", upd)
	}
	expect(t, call(t, adm, "DELETE", path, nil, "If-Match", `"2"`), http.StatusNoContent)
	expect(t, call(t, alice, "GET", path, nil), http.StatusNotFound)
}

// testAuditorsCannotTouchActivities: 403 on every activities route.
func testAuditorsCannotTouchActivities(t *testing.T) {
	alice, auditor := newMember(t), newAuditor(t)
	a := create(t, alice, map[string]any{"title": "Audited"})
	path := "/v1/activities/" + a["id"].(string)
	tests := []struct {
		method, path string
		body         any
		headers      []string
	}{
		{"POST", "/v1/activities", map[string]any{"title": "x"}, nil},
		{"GET", "/v1/activities", nil, nil},
		{"GET", path, nil, nil},
		{"PATCH", path, map[string]any{"title": "x"}, []string{"If-Match", `"1"`}},
		{"PATCH", path, map[string]any{"title": "x"}, nil},
		{"DELETE", path, nil, []string{"If-Match", `"1"`}},
	}
	for _, tt := range tests {
		if r := call(t, auditor, tt.method, tt.path, tt.body, tt.headers...); r.status != 403 || r.code(t) != "forbidden" {
			t.Errorf("%s %s: %d %s", tt.method, tt.path, r.status, r.body)
		}
	}
}
