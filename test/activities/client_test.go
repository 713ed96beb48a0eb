package activities_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// user is an authenticated caller.
type user struct {
	id, email, token string
	// base is the URL of the server the user belongs to.
	base string
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic map.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object (%d): %s", r.status, r.body)
	}
	return m
}

// code is the envelope's code of an error response.
func (r response) code(t *testing.T) string {
	t.Helper()
	c, _ := r.json(t)["code"].(string)
	return c
}

// fields lists the details.fields[].field of a validation error.
func (r response) fields(t *testing.T) []string {
	t.Helper()
	d, _ := r.json(t)["details"].(map[string]any)
	fs, _ := d["fields"].([]any)
	var names []string
	for _, f := range fs {
		m, _ := f.(map[string]any)
		name, _ := m["field"].(string)
		names = append(names, name)
	}
	return names
}

// call sends a request. body is marshalled to JSON unless it is a string
// (sent as is) or nil; headers are name, value pairs.
func call(t *testing.T, u *user, method, path string, body any, headers ...string) response {
	t.Helper()
	if u != nil {
		return callBase(t, u.base, u, method, path, body, headers...)
	}
	base := srv.base
	return callBase(t, base, u, method, path, body, headers...)
}

// callBase is call against the server at base.
func callBase(t *testing.T, base string, u *user, method, path string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if u != nil {
		req.Header.Set("Authorization", "Bearer "+u.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func expect(t *testing.T, r response, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

const password = "correct horse battery staple"

// newMember signs up and logs in a fresh member through identity's routes.
func newMember(t *testing.T) *user {
	t.Helper()
	return newMemberOn(t, srv.base)
}

// newMemberOn is newMember on the server at base.
func newMemberOn(t *testing.T, base string) *user {
	t.Helper()
	email := "member-" + random() + "@e2e.test"
	expect(t, callBase(t, base, nil, "POST", "/v1/auth/signup", map[string]any{"email": email, "password": password}), http.StatusCreated)
	return loginOn(t, base, email)
}

func login(t *testing.T, email string) *user {
	t.Helper()
	return loginOn(t, srv.base, email)
}

func loginOn(t *testing.T, base, email string) *user {
	t.Helper()
	r := expect(t, callBase(t, base, nil, "POST", "/v1/auth/login", map[string]any{"email": email, "password": password}), http.StatusOK)
	u := &user{email: email, token: r.json(t)["accessToken"].(string), base: base}
	u.id = expect(t, call(t, u, "GET", "/v1/me", nil), http.StatusOK).json(t)["id"].(string)
	return u
}

var (
	adminOnce sync.Once
	theAdmin  *user
)

// admin is an admin created with `zebra users create-admin`, shared.
func admin(t *testing.T) *user {
	t.Helper()
	adminOnce.Do(func() {
		email := "admin-" + random() + "@e2e.test"
		if code, out := srv.run(t, "users", "create-admin", "--email", email, "--password", password); code != 0 {
			t.Fatalf("create-admin exited %d:\n%s", code, out)
		}
		theAdmin = login(t, email)
	})
	if theAdmin == nil {
		t.Fatal("no admin")
	}
	return theAdmin
}

// newAuditor is a member whom the admin made an auditor only.
func newAuditor(t *testing.T) *user {
	t.Helper()
	m := newMember(t)
	a := admin(t)
	etag := expect(t, call(t, a, "GET", "/v1/users/"+m.id, nil), http.StatusOK).header.Get("ETag")
	expect(t, call(t, a, "PUT", "/v1/users/"+m.id+"/roles", map[string]any{"roles": []string{"auditor"}}, "If-Match", etag), http.StatusOK)
	return login(t, m.email)
}

// create makes an activity as u and returns its body.
func create(t *testing.T, u *user, body map[string]any) map[string]any {
	t.Helper()
	return expect(t, call(t, u, "POST", "/v1/activities", body), http.StatusCreated).json(t)
}
