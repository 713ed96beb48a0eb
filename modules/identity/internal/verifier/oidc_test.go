package verifier_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/app/command"
	"github.com/zebralabs/zebra/modules/identity/internal/oidctest"
	"github.com/zebralabs/zebra/modules/identity/internal/verifier"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
)

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
	issuer := oidctest.Provider(t)
	prov := &provisioner{id: uuid.Must(uuid.NewV7())}
	v := verifier.New(rejectLocal{}, verifier.NewOIDC(issuer, "zebra-web", nil, prov))
	ctx := context.Background()

	good := oidctest.IDToken(t, issuer, "zebra-web")
	p, err := v.Verify(ctx, good)
	if err != nil {
		t.Fatalf("real token of the provider rejected: %v", err)
	}
	if p.UserID != prov.id || len(prov.seen) != 1 || prov.seen[0].Issuer != issuer || prov.seen[0].Subject == "" {
		t.Fatalf("principal %+v, provisioned %+v", p, prov.seen)
	}

	other := oidctest.IDToken(t, issuer, "other-app")
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
