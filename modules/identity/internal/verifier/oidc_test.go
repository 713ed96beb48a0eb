package verifier_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"

	"github.com/zebralabs/zebra/modules/identity/internal/app/command"
	"github.com/zebralabs/zebra/modules/identity/internal/verifier"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
)

const redirectURI = "http://127.0.0.1:1/callback"

var registerOnce sync.Once

// provider runs zitadel's example OpenID Provider in the test and returns
// its issuer URL (with the trailing slash the provider uses in iss).
func provider(t *testing.T) string {
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

// idToken runs the authorization code flow of client against the provider
// (authorize, the example login form, token exchange) and returns the ID
// token it issued.
func idToken(t *testing.T, issuer, client string) string {
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

func follow(t *testing.T, hc *http.Client, target string) string {
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

// provisioner records what the verifier asks to provision.
type provisioner struct {
	mu   sync.Mutex
	seen []command.ProvisionExternal
	id   uuid.UUID
}

func (p *provisioner) Handle(_ context.Context, cmd command.ProvisionExternal) (auth.Principal, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen = append(p.seen, cmd)
	return auth.Principal{UserID: p.id, Roles: []auth.Role{auth.RoleMember}}, nil
}

type rejectLocal struct{}

func (rejectLocal) Verify(context.Context, string) (auth.Principal, error) {
	return auth.Principal{}, apperr.Unauthorized("local")
}

func TestOIDCTokensOfTheConfiguredIssuer(t *testing.T) {
	issuer := provider(t)
	prov := &provisioner{id: uuid.Must(uuid.NewV7())}
	v := verifier.New(rejectLocal{}, verifier.NewOIDC(issuer, "zebra-web", nil, prov))
	ctx := context.Background()

	good := idToken(t, issuer, "zebra-web")
	p, err := v.Verify(ctx, good)
	if err != nil {
		t.Fatalf("real token of the provider rejected: %v", err)
	}
	if p.UserID != prov.id || len(prov.seen) != 1 || prov.seen[0].Issuer != issuer || prov.seen[0].Subject == "" {
		t.Fatalf("principal %+v, provisioned %+v", p, prov.seen)
	}

	other := idToken(t, issuer, "other-app")
	if _, err := v.Verify(ctx, other); apperr.CodeOf(err) != apperr.CodeUnauthorized || !strings.Contains(err.Error(), "audience") {
		t.Fatalf("token for another audience: %v", err)
	}
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + parts[1] + "x." + parts[2]
	if _, err := v.Verify(ctx, tampered); apperr.CodeOf(err) != apperr.CodeUnauthorized {
		t.Fatalf("tampered token: %v", err)
	}
	if len(prov.seen) != 1 {
		t.Fatalf("rejected tokens must not provision: %+v", prov.seen)
	}
}

func TestOIDCProviderDownIsUnavailable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	issuer := srv.URL + "/"
	srv.Close()
	v := verifier.New(rejectLocal{}, verifier.NewOIDC(issuer, "zebra-web", nil, &provisioner{}))
	token := "eyJhbGciOiJSUzI1NiJ9." + b64(`{"iss":"`+issuer+`"}`) + ".c2ln"
	if _, err := v.Verify(context.Background(), token); apperr.CodeOf(err) != apperr.CodeUnavailable {
		t.Fatalf("provider down: %v", err)
	}
	// Tokens of other issuers go to the local verifier.
	if _, err := v.Verify(context.Background(), "eyJhbGciOiJFZERTQSJ9."+b64(`{"iss":"zebra"}`)+".c2ln"); err == nil || err.Error() != "unauthorized: local" {
		t.Fatalf("local dispatch: %v", err)
	}
}

func b64(s string) string {
	return strings.TrimRight(base64URL(s), "=")
}
