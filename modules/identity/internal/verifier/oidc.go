package verifier

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/zebralabs/zebra/modules/identity/internal/app/command"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
)

// Provisioner maps a verified external identity to a principal (finds or
// creates the user). The application's ProvisionExternal handler is one.
type Provisioner interface {
	Handle(ctx context.Context, cmd command.ProvisionExternal) (auth.Principal, error)
}

// OIDC verifies tokens of one external issuer through its discovery
// document and JWKS (go-oidc caches the keys and refetches them when a
// token names an unknown kid). Discovery happens on first use, not at
// startup, so an unreachable provider degrades only its own users.
type OIDC struct {
	issuer    string
	audience  string
	client    *http.Client
	provision Provisioner

	mu        sync.Mutex
	verifier  *oidc.IDTokenVerifier
	lastTry   time.Time
	lastError error
}

// retryDiscoveryAfter spaces discovery attempts while the provider is down.
const retryDiscoveryAfter = 5 * time.Second

// NewOIDC returns a verifier for issuer whose tokens must name audience.
func NewOIDC(issuer, audience string, client *http.Client, p Provisioner) *OIDC {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	return &OIDC{issuer: issuer, audience: audience, client: client, provision: p}
}

// Issuer is the configured issuer URL.
func (o *OIDC) Issuer() string { return o.issuer }

// claims are the optional profile claims used when provisioning.
type claims struct {
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Name          string `json:"name"`
}

// Verify checks signature, iss, aud, exp and nbf, then maps iss+sub to a user.
func (o *OIDC) Verify(ctx context.Context, raw string) (auth.Principal, error) {
	v, err := o.load(ctx)
	if err != nil {
		return auth.Principal{}, apperr.Unavailable(fmt.Errorf("oidc discovery of %s: %w", o.issuer, err))
	}
	tok, err := v.Verify(oidc.ClientContext(ctx, o.client), raw)
	if err != nil {
		return auth.Principal{}, unauthorized(err)
	}
	var c claims
	if err := tok.Claims(&c); err != nil {
		return auth.Principal{}, unauthorized(err)
	}
	if tok.Subject == "" {
		return auth.Principal{}, unauthorized(errors.New("token has no sub"))
	}
	return o.provision.Handle(ctx, command.ProvisionExternal{
		Issuer: tok.Issuer, Subject: tok.Subject, Email: c.Email, EmailVerified: c.EmailVerified, Name: c.Name,
	})
}

func (o *OIDC) load(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.verifier != nil {
		return o.verifier, nil
	}
	if time.Since(o.lastTry) < retryDiscoveryAfter && o.lastError != nil {
		return nil, o.lastError
	}
	o.lastTry = time.Now()
	// The provider keeps this context for its key set: it must outlive the
	// request, so only the HTTP client and a deadline for discovery apply.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(oidc.ClientContext(dctx, o.client), o.issuer)
	if err != nil {
		o.lastError = err
		return nil, err
	}
	o.verifier = p.VerifierContext(oidc.ClientContext(context.Background(), o.client), &oidc.Config{ClientID: o.audience})
	return o.verifier, nil
}
