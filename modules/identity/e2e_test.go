package identity_test

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/zebralabs/zebra/modules/identity/internal/oidctest"
)

const (
	adaPassword   = "correct horse battery"
	adminPassword = "admin password 12345"
)

// mailedToken waits for the count-th mail with subject to addr and returns
// the token of its link to path.
func (s *stack) mailedToken(t *testing.T, addr, subject, path string, count int) string {
	t.Helper()
	m := s.mail.WaitFor(t, addr, subject, count, 20*time.Second)
	i := strings.Index(m.Text, "http://app.zebra.test"+path+"?token=")
	if i < 0 {
		t.Fatalf("mail %q has no %s link:\n%s", subject, path, m.Text)
	}
	u, err := url.Parse(strings.Fields(m.Text[i:])[0])
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

func (s *stack) login(t *testing.T, email, password string) (access, refresh string) {
	t.Helper()
	r := s.do("POST", "/v1/auth/login", "", map[string]string{"email": email, "password": password}).expect(t, 200, "login "+email)
	if r.str("tokenType") != "Bearer" || r.body["expiresIn"] != float64(900) || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("login answer %s / %v", r.raw, r.header)
	}
	return r.str("accessToken"), r.str("refreshToken")
}

// TestEndToEnd drives the identity context through the real binary with
// real Postgres, Redis and Mailpit: sign-up, the verification mail,
// login, refresh and reuse detection, password reset through the mailed
// link, admin role changes and deactivation.
func TestEndToEnd(t *testing.T) {
	issuer := oidctest.Provider(t)
	s := startStack(t, "OIDC_ISSUER_URL="+issuer, "OIDC_AUDIENCE=zebra-web")

	// Bootstrap an admin, twice (idempotent).
	for range 2 {
		if out, err := s.command("users", "create-admin", "--email", "Root@Example.com", "--password", adminPassword).CombinedOutput(); err != nil {
			t.Fatalf("create-admin: %v\n%s", err, out)
		}
	}

	// Sign up: 201 with exactly the user fields of docs/api.md.
	r := s.do("POST", "/v1/auth/signup", "", map[string]any{"email": "  Ada@Example.COM ", "password": adaPassword, "displayName": "Ada"}).expect(t, 201, "sign up")
	keys := make([]string, 0, len(r.body))
	for k := range r.body {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"active", "createdAt", "displayName", "email", "emailVerified", "id", "roles", "updatedAt", "version"}; !slices.Equal(keys, want) {
		t.Fatalf("user fields %v, want %v", keys, want)
	}
	adaID := r.str("id")
	if r.str("email") != "ada@example.com" || r.body["emailVerified"] != false || r.header.Get("ETag") != `"1"` || r.header.Get("Location") != "/v1/users/"+adaID {
		t.Fatalf("sign-up answer %s %v", r.raw, r.header)
	}
	if strings.Contains(r.raw, "argon2") || strings.Contains(r.raw, adaPassword) {
		t.Fatal("sign-up leaks the password or its hash")
	}
	s.do("POST", "/v1/auth/signup", "", map[string]any{"email": "ada@example.com", "password": adaPassword}).expect(t, 409, "duplicate sign-up")
	s.do("POST", "/v1/auth/signup", "", map[string]any{"email": "x@example.com", "password": "short"}).expect(t, 422, "weak password")
	s.do("POST", "/v1/auth/signup", "", map[string]any{"email": "x@example.com", "password": adaPassword, "roles": []string{"admin"}}).expect(t, 422, "mass assignment of roles")

	// The verification mail arrives; its token verifies once.
	verify := s.mailedToken(t, "ada@example.com", "Confirm your email", "/verify-email", 1)
	s.do("POST", "/v1/auth/verify-email", "", map[string]string{"token": verify}).expect(t, 204, "verify email")
	s.do("POST", "/v1/auth/verify-email", "", map[string]string{"token": verify}).expect(t, 422, "verify email twice")

	// Login: same 401 for unknown email and wrong password.
	unknown := s.do("POST", "/v1/auth/login", "", map[string]string{"email": "nobody@example.com", "password": adaPassword}).expect(t, 401, "unknown email")
	wrong := s.do("POST", "/v1/auth/login", "", map[string]string{"email": "ada@example.com", "password": "not the password"}).expect(t, 401, "wrong password")
	if unknown.str("message") != wrong.str("message") || unknown.str("code") != wrong.str("code") {
		t.Fatalf("login failures differ: %s vs %s", unknown.raw, wrong.raw)
	}
	access, refresh1 := s.login(t, "ADA@example.com", adaPassword)
	me := s.do("GET", "/v1/me", access, nil).expect(t, 200, "me")
	if me.str("id") != adaID || me.body["emailVerified"] != true || me.header.Get("ETag") != `"2"` {
		t.Fatalf("me %s %v", me.raw, me.header)
	}

	// Refresh rotates; reusing the spent token revokes the whole family.
	r = s.do("POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": refresh1}).expect(t, 200, "refresh")
	refresh2 := r.str("refreshToken")
	if refresh2 == refresh1 || r.str("accessToken") == "" {
		t.Fatal("refresh did not rotate")
	}
	s.do("POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": refresh1}).expect(t, 401, "reuse of a spent refresh token")
	s.do("POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": refresh2}).expect(t, 401, "descendant after reuse")

	// Logout revokes the family.
	access, refresh3 := s.login(t, "ada@example.com", adaPassword)
	s.do("POST", "/v1/auth/logout", access, map[string]string{"refreshToken": refresh3}).expect(t, 204, "logout")
	s.do("POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": refresh3}).expect(t, 401, "refresh after logout")

	// Password reset through the mailed link revokes every session.
	_, refresh4 := s.login(t, "ada@example.com", adaPassword)
	s.do("POST", "/v1/auth/password-reset", "", map[string]string{"email": "ada@example.com"}).expect(t, 202, "reset request")
	s.do("POST", "/v1/auth/password-reset", "", map[string]string{"email": "nobody@example.com"}).expect(t, 202, "reset request for nobody")
	reset := s.mailedToken(t, "ada@example.com", "Reset your password", "/reset-password", 1)
	const newPassword = "a brand new passphrase"
	s.do("POST", "/v1/auth/password-reset/confirm", "", map[string]string{"token": reset, "newPassword": newPassword}).expect(t, 204, "reset confirm")
	s.do("POST", "/v1/auth/password-reset/confirm", "", map[string]string{"token": reset, "newPassword": newPassword}).expect(t, 422, "reset token reused")
	s.do("POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": refresh4}).expect(t, 401, "session after reset")
	s.do("POST", "/v1/auth/login", "", map[string]string{"email": "ada@example.com", "password": adaPassword}).expect(t, 401, "old password")
	adaAccess, adaRefresh := s.login(t, "ada@example.com", newPassword)

	// Admin: list, change roles with If-Match, deactivate.
	adminAccess, _ := s.login(t, "root@example.com", adminPassword)
	s.do("GET", "/v1/users", adaAccess, nil).expect(t, 403, "member lists users")
	page := s.do("GET", "/v1/users?limit=1", adminAccess, nil).expect(t, 200, "list users")
	if items, _ := page.body["items"].([]any); len(items) != 1 || page.body["nextCursor"] == nil {
		t.Fatalf("first page %s", page.raw)
	}
	next := s.do("GET", "/v1/users?limit=1&cursor="+url.QueryEscape(page.str("nextCursor")), adminAccess, nil).expect(t, 200, "second page")
	if items, _ := next.body["items"].([]any); len(items) != 1 || next.body["nextCursor"] != nil {
		t.Fatalf("second page %s", next.raw)
	}
	s.do("GET", "/v1/users?limit=0", adminAccess, nil).expect(t, 422, "limit 0")
	s.do("GET", "/v1/users?cursor=forged", adminAccess, nil).expect(t, 400, "forged cursor")

	cur := s.do("GET", "/v1/users/"+adaID, adminAccess, nil).expect(t, 200, "get user")
	etag := cur.header.Get("ETag")
	roles := map[string]any{"roles": []string{"member", "auditor"}}
	s.do("PUT", "/v1/users/"+adaID+"/roles", adminAccess, roles).expect(t, 428, "roles without If-Match")
	s.do("PUT", "/v1/users/"+adaID+"/roles", adminAccess, roles, "If-Match", "*").expect(t, 428, "roles with If-Match *")
	s.do("PUT", "/v1/users/"+adaID+"/roles", adminAccess, roles, "If-Match", `"99"`).expect(t, 412, "roles with stale If-Match")
	s.do("PUT", "/v1/users/"+adaID+"/roles", adaAccess, roles, "If-Match", etag).expect(t, 403, "member changes roles")
	s.do("PUT", "/v1/users/"+adaID+"/roles", adminAccess, map[string]any{"roles": []string{"root"}}, "If-Match", etag).expect(t, 422, "unknown role")
	r = s.do("PUT", "/v1/users/"+adaID+"/roles", adminAccess, roles, "If-Match", etag).expect(t, 200, "change roles")
	if got := fmt.Sprint(r.body["roles"]); got != "[member auditor]" || r.header.Get("ETag") == etag {
		t.Fatalf("roles %s, ETag %s", got, r.header.Get("ETag"))
	}
	// The new role reaches the user's tokens at the next refresh.
	r = s.do("POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": adaRefresh}).expect(t, 200, "refresh after role change")
	adaAccess, adaRefresh = r.str("accessToken"), r.str("refreshToken")
	s.do("GET", "/v1/audit-events?limit=5", adaAccess, nil).expect(t, 200, "auditor reads audit events")

	etag = r.header.Get("ETag")
	cur = s.do("GET", "/v1/users/"+adaID, adminAccess, nil).expect(t, 200, "get user")
	s.do("POST", "/v1/users/"+adaID+"/deactivate", adminAccess, nil).expect(t, 428, "deactivate without If-Match")
	r = s.do("POST", "/v1/users/"+adaID+"/deactivate", adminAccess, nil, "If-Match", cur.header.Get("ETag")).expect(t, 200, "deactivate")
	if r.body["active"] != false {
		t.Fatalf("deactivated user %s", r.raw)
	}
	s.do("POST", "/v1/auth/login", "", map[string]string{"email": "ada@example.com", "password": newPassword}).expect(t, 401, "login after deactivation")
	s.do("POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": adaRefresh}).expect(t, 401, "refresh after deactivation")
	// Documented: an access token issued before stays valid until it expires.
	s.do("GET", "/v1/me", adaAccess, nil).expect(t, 200, "access token until expiry")
	_ = etag

	// Everything above is in the audit log, without secrets.
	for _, action := range []string{"user.signed_up", "user.signup_rejected", "user.email_verified", "user.logged_in",
		"user.login_failed", "user.refresh_token_reused", "user.password_reset", "user.roles_changed", "user.deactivated"} {
		r := s.do("GET", "/v1/audit-events?action="+action, adminAccess, nil).expect(t, 200, "audit "+action)
		if items, _ := r.body["items"].([]any); len(items) == 0 {
			t.Errorf("no audit event %s", action)
		}
		for _, secret := range []string{adaPassword, newPassword, "argon2id", refresh1, reset, verify} {
			if strings.Contains(r.raw, secret) {
				t.Errorf("audit %s contains a secret", action)
			}
		}
	}

	failed := s.do("GET", "/v1/audit-events?action=user.login_failed&limit=1", adminAccess, nil).expect(t, 200, "login_failed events")
	items, _ := failed.body["items"].([]any)
	if len(items) == 0 {
		t.Fatal("no user.login_failed event")
	}
	meta, _ := items[0].(map[string]any)["metadata"].(map[string]any)
	if meta["ip"] != "127.0.0.1" || meta["email"] == nil {
		t.Fatalf("login_failed metadata %v", meta)
	}

	// OIDC: a real ID token of the configured provider is accepted and
	// provisions a member; one for another audience is not.
	idTok := oidctest.IDToken(t, issuer, "zebra-web")
	ext := s.do("GET", "/v1/me", idTok, nil).expect(t, 200, "OIDC token")
	if fmt.Sprint(ext.body["roles"]) != "[member]" {
		t.Fatalf("provisioned user %s", ext.raw)
	}
	again := s.do("GET", "/v1/me", oidctest.IDToken(t, issuer, "zebra-web"), nil).expect(t, 200, "OIDC token again")
	if again.str("id") != ext.str("id") {
		t.Fatal("a second token of the same subject provisioned another user")
	}
	s.do("GET", "/v1/me", oidctest.IDToken(t, issuer, "other-app"), nil).expect(t, 401, "OIDC token for another audience")
}

// TestLoginLockout: repeated failures lock the account with 429 and
// Retry-After, for the right password too, and are audited.
func TestLoginLockout(t *testing.T) {
	s := startStack(t)
	s.do("POST", "/v1/auth/signup", "", map[string]any{"email": "eve@example.com", "password": adaPassword}).expect(t, 201, "sign up")
	for i := range 3 {
		s.do("POST", "/v1/auth/login", "", map[string]string{"email": "eve@example.com", "password": "wrong password!"}).expect(t, 401, fmt.Sprint("failure ", i+1))
	}
	r := s.do("POST", "/v1/auth/login", "", map[string]string{"email": "eve@example.com", "password": adaPassword}).expect(t, 429, "locked out")
	if r.str("code") != "rate_limited" || r.header.Get("Retry-After") == "" {
		t.Fatalf("lockout answer %s %v", r.raw, r.header)
	}
}

// TestAccessTokenSecurity: forged, expired and foreign tokens are 401 with
// WWW-Authenticate, and the JWKS serves the configured key.
func TestAccessTokenSecurity(t *testing.T) {
	s := startStack(t)
	r := s.do("POST", "/v1/auth/signup", "", map[string]any{"email": "sec@example.com", "password": adaPassword}).expect(t, 201, "sign up")
	uid := r.str("id")
	good, _ := s.login(t, "sec@example.com", adaPassword)
	s.do("GET", "/v1/me", good, nil).expect(t, 200, "valid token")

	jwks := s.do("GET", "/.well-known/jwks.json", "", nil).expect(t, 200, "jwks")
	keys, _ := jwks.body["keys"].([]any)
	if len(keys) != 1 || keys[0].(map[string]any)["kid"] != "e2e-1" || keys[0].(map[string]any)["d"] != nil {
		t.Fatalf("jwks %s", jwks.raw)
	}

	now := time.Now()
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": "https://zebra.test", "aud": "zebra-api", "sub": uid, "roles": []string{"admin"},
			"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
		if mod != nil {
			mod(c)
		}
		return c
	}
	sign := func(c jwt.MapClaims, kid string) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
		tok.Header["kid"] = kid
		out, err := tok.SignedString(s.signKey)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	forged := sign(claims(nil), s.kid)
	s.do("GET", "/v1/me", forged, nil).expect(t, 200, "control: a token signed with the configured key")

	none := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil))
	none.Header["kid"] = s.kid
	noneTok, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	pub := s.signKey.Public().(ed25519.PublicKey)
	pubDER, _ := x509.MarshalPKIXPublicKey(pub)
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(nil))
	hs.Header["kid"] = s.kid
	hsTok, _ := hs.SignedString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c map[string]any
	_ = json.Unmarshal(payload, &c)
	c["roles"] = []string{"admin"}
	evil, _ := json.Marshal(c)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(evil) + "." + parts[2]

	tests := []struct {
		name  string
		token string
	}{
		{"alg none", noneTok},
		{"HS256 with the public key", hsTok},
		{"expired", sign(claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-2 * time.Minute).Unix() }), s.kid)},
		{"wrong aud", sign(claims(func(c jwt.MapClaims) { c["aud"] = "other-api" }), s.kid)},
		{"wrong iss", sign(claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }), s.kid)},
		{"unknown kid", sign(claims(nil), "e2e-2")},
		{"tampered payload", tampered},
		{"garbage", "not-a-token"},
	}
	for _, tt := range tests {
		r := s.do("GET", "/v1/me", tt.token, nil)
		if r.status != 401 || r.str("code") != "unauthorized" || !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("%s: %d %s %v", tt.name, r.status, r.raw, r.header.Get("WWW-Authenticate"))
		}
	}
	r = s.do("GET", "/v1/me", "", nil)
	if r.status != 401 || r.header.Get("WWW-Authenticate") == "" || strings.Contains(r.header.Get("WWW-Authenticate"), "error=") {
		t.Errorf("no token: %d %v", r.status, r.header)
	}
}
