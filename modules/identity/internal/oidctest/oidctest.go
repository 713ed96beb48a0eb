// Package oidctest runs a real OpenID Provider in tests: zitadel's example
// OP (github.com/zitadel/oidc/v3, pkg/op with the example's in-memory
// storage and login form), and obtains real ID tokens from it through the
// authorization code flow. Two clients are registered: "zebra-web" and
// "other-app" (secret "secret"), so tests can get tokens for two audiences.
package oidctest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

const redirectURI = "http://127.0.0.1:1/callback"

var registerOnce sync.Once

// Provider runs zitadel's example OpenID Provider in the test and returns
// its issuer URL (with the trailing slash the provider uses in iss).
func Provider(t testing.TB) string {
	t.Helper()
	registerOnce.Do(func() {
		storage.RegisterClients(
			storage.WebClient("zebra-web", "secret", redirectURI),
			storage.WebClient("other-app", "secret", redirectURI),
		)
	})
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	issuer := srv.URL + "/"
	handler = exampleop.SetupServer(issuer, storage.NewStorage(storage.NewUserStore(issuer)), nil, false)
	return issuer
}

// IDToken runs the authorization code flow of client against the provider
// (authorize, the example login form, token exchange) and returns the ID
// token it issued.
func IDToken(t testing.TB, issuer, client string) string {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{
		"client_id": {client}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid email profile"}, "state": {"s"}, "nonce": {"n"},
	}
	loc := follow(t, hc, issuer+"auth?"+q.Encode())
	u, _ := url.Parse(loc)
	id := u.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("no auth request id in %s", loc)
	}
	host := strings.Split(strings.TrimPrefix(issuer, "http://"), ":")[0]
	resp, err := hc.PostForm(issuer+"login/username", url.Values{
		"id": {id}, "username": {"test-user@" + host}, "password": {"verysecure"},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc = resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "http") {
		loc = strings.TrimSuffix(issuer, "/") + loc
	}
	for !strings.HasPrefix(loc, redirectURI) {
		loc = follow(t, hc, loc)
	}
	cb, _ := url.Parse(loc)
	code := cb.Query().Get("code")
	req, _ := http.NewRequest(http.MethodPost, issuer+"oauth/token", strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI},
	}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(client, "secret")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		IDToken string `json:"id_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.IDToken == "" {
		t.Fatalf("token response %d: %v", resp.StatusCode, err)
	}
	return body.IDToken
}

func follow(t testing.TB, hc *http.Client, target string) string {
	t.Helper()
	resp, err := hc.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if loc == "" {
		t.Fatalf("GET %s: %d without Location", target, resp.StatusCode)
	}
	if strings.HasPrefix(loc, "/") {
		u, _ := url.Parse(target)
		loc = u.Scheme + "://" + u.Host + loc
	}
	return loc
}
