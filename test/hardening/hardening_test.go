package hardening

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// baseBodies are valid bodies of the operations that take one: each attack
// changes one thing in them, so a request that is accepted would succeed
// (and be caught by the row digests).
func baseBodies(f *fixture) map[string]map[string]any {
	return map[string]map[string]any{
		"POST /v1/activities":                  {"title": "hardening base"},
		"PATCH /v1/activities/{id}":            {"title": "hardening patched"},
		"POST /v1/activities/{id}/attachments": {"filename": "hardening.pdf", "contentType": "application/pdf", "size": 10},
		"POST /v1/auth/login":                  {"email": "nobody@example.com", "password": "not the password at all"},
		"POST /v1/auth/logout":                 {"refreshToken": f.refreshToken},
		"POST /v1/auth/refresh":                {"refreshToken": f.refreshToken},
		"POST /v1/auth/password-reset":         {"email": "nobody@example.com"},
		"POST /v1/auth/password-reset/confirm": {"token": "0123456789abcdef0123456789abcdef", "newPassword": "another long password"},
		"POST /v1/auth/signup":                 {"email": "new-user@example.com", "password": password, "displayName": "New"},
		"POST /v1/auth/verify-email":           {"token": "0123456789abcdef0123456789abcdef"},
		"PUT /v1/users/{id}/roles":             {"roles": []string{"member"}},
	}
}

// baseRequest is op's valid request: the admin's token, the fixture's
// ids in the path and their ETags in If-Match.
func baseRequest(f *fixture, op operation) request {
	r := request{method: op.method, path: op.path, header: map[string]string{}}
	if op.secured {
		r.token = f.adminToken
	}
	etag := f.memberETag
	if strings.HasPrefix(op.path, "/v1/activities/") {
		etag = f.activityETag
	}
	for _, p := range op.params {
		if p.in == "header" && strings.EqualFold(p.name, "If-Match") {
			r.header["If-Match"] = etag
		}
	}
	return r
}

// withIDs puts the fixture's ids in a path whose parameter is still the
// placeholder.
func withIDs(f *fixture, path string) string {
	if strings.HasPrefix(path, "/v1/activities/") {
		return strings.Replace(path, "{id}", f.activityID, 1)
	}
	return strings.Replace(path, "{id}", f.memberID, 1)
}

// TestHardening runs the attacks on one server, in order: the ones that
// must store nothing first, then the ones that store rows.
func TestHardening(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		name string
		run  func(*testing.T, *fixture)
	}{
		{"BadInputIsRefused", badInputIsRefused},
		{"HostileRequestIDIsReplaced", hostileRequestIDIsReplaced},
		{"RawProtocolAttacks", rawProtocolAttacks},
		{"InjectedTextIsData", injectedTextIsData},
		{"SecondRoundFindings", secondRoundFindings},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, f) })
	}
}

// badInputIsRefused sends every attack to every operation of
// /openapi.json: each must answer 4xx in the envelope (or, for a read
// whose free-text filter got attack text, an empty page), and no row of
// any table may change.
func badInputIsRefused(t *testing.T, f *fixture) {
	bodies := baseBodies(f)
	total := 0
	for _, op := range operations(t, f) {
		base := baseRequest(f, op)
		var baseBody map[string]any
		if op.body != nil {
			baseBody = bodies[op.String()]
			if baseBody == nil {
				t.Errorf("%s: no base body: add one to baseBodies so its fields are attacked", op)
				continue
			}
			base.body = jsonBody(baseBody)
		}
		attacks := attacksOn(op, base, baseBody)
		t.Run(op.String(), func(t *testing.T) {
			before := f.snapshot(t)
			for _, a := range attacks {
				a.req.path = withIDs(f, a.req.path)
				r := send(t, f.base, a.req)
				if a.unknownOK != 0 && r.status == a.unknownOK {
					if err := headersClean(r); err != nil {
						t.Errorf("%s: %v", a.name, err)
					}
					continue
				}
				if a.emptyPageOK && emptyPage(r) {
					if err := headersClean(r); err != nil {
						t.Errorf("%s: %v", a.name, err)
					}
					continue
				}
				if err := refused(r); err != nil {
					t.Errorf("%s: %v", a.name, err)
				}
			}
			if d := before.diff(f.snapshot(t)); d != "" {
				t.Errorf("bad input stored something: %s", d)
			}
		})
		total += len(attacks)
	}
	t.Logf("%d attacks", total)
	if total < 500 {
		t.Fatalf("only %d attacks generated", total)
	}
}

// hostileRequestIDIsReplaced: an X-Request-Id outside docs/api.md's pattern
// never reaches a response header or body as is.
func hostileRequestIDIsReplaced(t *testing.T, f *fixture) {
	for _, id := range append([]string{strings.Repeat("a", 129), "a b", "\xff\xfe", `"quoted"`, "a;b"}, injections...) {
		if strings.ContainsAny(id, "\r\n") {
			continue
		}
		r := send(t, f.base, request{method: "GET", path: "/v1/activities/not-a-uuid", token: f.adminToken, header: map[string]string{"X-Request-Id": id}})
		if err := refused(r); err != nil {
			t.Errorf("X-Request-Id %q: %v", id, err)
		}
		if got := r.header.Get("X-Request-Id"); got == id || strings.Contains(string(r.body), id) {
			t.Errorf("X-Request-Id %q was kept", id)
		}
	}
}

// rawProtocolAttacks sends what no client library would: NUL and bare CR
// in header values, a header without a colon, huge headers and a huge
// request line. Nothing reaches a handler, nothing is stored, and every
// answer is a 4xx: the envelope where our code answers, net/http's own 400
// for requests it cannot parse at all.
func rawProtocolAttacks(t *testing.T, f *fixture) {
	before := f.snapshot(t)
	post := func(extra string) string {
		return "POST /v1/activities HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + f.adminToken +
			"\r\nContent-Type: application/json\r\nContent-Length: 17\r\n" + extra + "\r\n{\"title\":\"raw!\"}\n"
	}
	tests := []struct {
		name     string
		raw      string
		envelope bool
	}{
		{"NUL in a header value", post("X-Test: a\x00b\r\n"), false},
		{"bare CR in a header value", post("X-Test: a\rSet-Cookie: x=1\r\n"), false},
		{"header without a colon", post("NotAHeader\r\n"), false},
		{"space before the colon", post("X-Test : a\r\n"), false},
		{"two Content-Lengths", post("Content-Length: 3\r\n"), false},
		{"huge header", post("X-Big: " + strings.Repeat("a", 200<<10) + "\r\n"), true},
		{"many headers", post(strings.Repeat("X-Many: a\r\n", 10000)), true},
		{"huge request line", "GET /v1/activities?q=" + strings.Repeat("a", 200<<10) + " HTTP/1.1\r\nHost: x\r\n\r\n", true},
		{"invalid method", "G\x00T /healthz HTTP/1.1\r\nHost: x\r\n\r\n", false},
	}
	for _, tt := range tests {
		r := sendRaw(t, f.srv.Addr, tt.raw)
		if r.status < 400 || r.status > 499 {
			t.Errorf("%s: status %d, want 4xx: %.200s", tt.name, r.status, r.body)
			continue
		}
		if tt.envelope {
			if err := refused(r); err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
		}
		if r.header.Get("Set-Cookie") != "" {
			t.Errorf("%s: Set-Cookie smuggled", tt.name)
		}
	}
	if d := before.diff(f.snapshot(t)); d != "" {
		t.Errorf("raw attacks stored something: %s", d)
	}
	// The server still answers normally afterwards.
	if r := send(t, f.base, request{method: "GET", path: "/healthz"}); r.status != http.StatusOK {
		t.Fatalf("/healthz after the attacks: %d", r.status)
	}
}

// injectedTextIsData: in free-text fields attack strings are the user's
// text: stored and returned byte for byte, never interpreted, and the
// tables they name are still there afterwards.
func injectedTextIsData(t *testing.T, f *fixture) {
	created := 0
	for _, text := range injections {
		title := text
		if strings.ContainsAny(title, "\r\n") {
			title = "crlf" // a title has no control characters; the description may
		}
		r := send(t, f.base, request{method: "POST", path: "/v1/activities", token: f.adminToken,
			body: jsonBody(map[string]any{"title": title, "description": text})})
		if r.status != http.StatusCreated {
			t.Errorf("title %q: %d %s", title, r.status, r.body)
			continue
		}
		created++
		if err := headersClean(r); err != nil {
			t.Errorf("title %q: %v", title, err)
		}
		var a struct{ ID, Title, Description string }
		if err := json.Unmarshal(r.body, &a); err != nil {
			t.Fatal(err)
		}
		got := f.mustJSON(t, http.StatusOK, request{method: "GET", path: "/v1/activities/" + a.ID, token: f.adminToken})
		if got.fields["title"] != title || got.fields["description"] != text {
			t.Errorf("stored %q / %q, sent %q / %q", got.fields["title"], got.fields["description"], title, text)
		}
		if loc := r.header.Get("Location"); loc != "/v1/activities/"+a.ID {
			t.Errorf("Location %q", loc)
		}
	}
	var n int
	if err := f.db.QueryRow(`SELECT count(*) FROM activities.activities`).Scan(&n); err != nil {
		t.Fatalf("the activities table is gone: %v", err)
	}
	if n != created+1 {
		t.Errorf("%d activities, want %d", n, created+1)
	}
	if err := f.db.QueryRow(`SELECT count(*) FROM identity.users`).Scan(&n); err != nil || n != 2 {
		t.Errorf("identity.users: %d rows, %v", n, err)
	}
}
