// Package command holds the identity context's write use cases, one per
// file: the intent type and its handler. Handlers check permissions with
// auth.Require, run their writes in one unit of work together with the
// audit event and outbox events, and translate domain errors into the
// typed errors of apperr.
package command

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/id"
	"github.com/zebralabs/zebra/platform/outbox"
	"github.com/zebralabs/zebra/platform/timestamp"
)

// UnitOfWork runs fn in one transaction carried by ctx. The platform's
// *database.UnitOfWork satisfies it; tests use a fake.
type UnitOfWork interface {
	Do(ctx context.Context, fn func(ctx context.Context) error) error
}

// Hasher hashes and checks passwords (argon2id in production).
type Hasher interface {
	user.PasswordHasher
	// Burn costs what a failed Verify costs, for unknown accounts.
	Burn(password string)
}

// AccessTokens signs access tokens.
type AccessTokens interface {
	Issue(userID uuid.UUID, roles []string) (token string, expiresIn time.Duration, err error)
}

// Lockout is a lock that a failed login just started.
type Lockout struct {
	// Scope is "account" or "ip".
	Scope string
	For   time.Duration
}

// LoginThrottle counts failed logins per account and per client IP and
// locks either out after too many. It is shared by every replica (Redis).
type LoginThrottle interface {
	// Blocked returns how long account or ip stays locked (0: not locked).
	Blocked(ctx context.Context, account, ip string) (time.Duration, error)
	// Failed records a failure and returns the lockouts it started.
	Failed(ctx context.Context, account, ip string) ([]Lockout, error)
	// Succeeded forgets the account's failures.
	Succeeded(ctx context.Context, account string) error
}

// Policy are the lifetimes the handlers apply.
type Policy struct {
	RefreshTTL       time.Duration
	VerificationTTL  time.Duration
	PasswordResetTTL time.Duration
}

// Deps are what the command handlers need.
type Deps struct {
	UoW      UnitOfWork
	Users    user.Repository
	External user.ExternalIdentities
	Refresh  token.RefreshRepository
	OneTime  token.OneTimeRepository
	Hasher   Hasher
	Tokens   AccessTokens
	Throttle LoginThrottle
	Audit    auditlog.Recorder
	Outbox   outbox.Publisher
	Policy   Policy
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// NewID returns a fresh time-ordered id; nil means id.New (UUIDv7).
	NewID func() uuid.UUID
}

func (d Deps) now() time.Time { return timestamp.Now(d.Now) }

func (d Deps) newID() uuid.UUID {
	if d.NewID != nil {
		return d.NewID()
	}
	return id.New()
}

// Tokens is the answer of login and refresh.
type Tokens struct {
	AccessToken  string
	ExpiresIn    time.Duration
	RefreshToken string
}

// issueTokens signs an access token for u after its refresh token was
// stored: the pair a client receives.
func (d Deps) issueTokens(u *user.User, refreshSecret string) (Tokens, error) {
	access, expiresIn, err := d.Tokens.Issue(u.ID(), roleNames(u.Roles()))
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: access, ExpiresIn: expiresIn, RefreshToken: refreshSecret}, nil
}

func roleNames(roles []user.Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return out
}
