package command

import (
	"context"
	"errors"
	"strings"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auditlog"
)

// Login exchanges an email and password for a token pair.
type Login struct {
	Email    string
	Password string
	IP       string
}

// LoginHandler checks credentials without telling an unknown email from a
// wrong password (same answer, same argon2id cost), throttles failures per
// account and per IP, and starts a refresh-token family on success.
type LoginHandler struct{ d Deps }

// NewLoginHandler returns the handler.
func NewLoginHandler(d Deps) LoginHandler { return LoginHandler{d: d} }

// Handle returns the token pair or unauthorized / rate_limited.
func (h LoginHandler) Handle(ctx context.Context, cmd Login) (Tokens, error) {
	account := strings.ToLower(strings.TrimSpace(cmd.Email))
	wait, err := h.d.Throttle.Blocked(ctx, account, cmd.IP)
	if err != nil {
		// Fail closed: without the throttle, login would be open to guessing.
		return Tokens{}, apperr.Unavailable(err)
	}
	if wait > 0 {
		return Tokens{}, &RateLimitedError{RetryAfter: wait}
	}
	u, reason, err := h.authenticate(ctx, account, cmd.Password)
	if err != nil {
		return Tokens{}, err
	}
	if reason != "" {
		return Tokens{}, h.fail(ctx, account, cmd.IP, reason, u)
	}
	return h.succeed(ctx, u, cmd.IP)
}

// authenticate returns the account the email names (nil when none) and,
// unless the password is right and the user active, the reason the login
// fails (for the audit trail only). An address that breaks the sign-up
// rules (user.ParseEmail) names no account, like an unknown one.
func (h LoginHandler) authenticate(ctx context.Context, account, password string) (*user.User, string, error) {
	email, err := user.ParseEmail(account)
	if err != nil {
		h.d.Hasher.Burn(password)
		return nil, "invalid_email", nil
	}
	u, err := h.d.Users.ByEmail(ctx, email)
	switch {
	case errors.Is(err, user.ErrNotFound):
		h.d.Hasher.Burn(password)
		return nil, "unknown_email", nil
	case err != nil:
		return nil, "", err
	}
	ok, err := h.d.Hasher.Verify(password, u.PasswordHash())
	switch {
	case err != nil:
		return nil, "", err
	case !ok:
		return u, "wrong_password", nil
	case !u.Active():
		return u, "deactivated", nil
	}
	return u, "", nil
}

// fail counts the failure, audits it (and any lockout it started) and
// answers the same 401 whatever the reason. When the email names an
// account, the events carry its id as entity id, so an auditor filtering
// by the user sees the attempts against it; the actor stays the system,
// since whoever failed did not prove to be that user. Linking changes
// neither the answer nor its timing: the account was looked up either way.
func (h LoginHandler) fail(ctx context.Context, account, ip, reason string, target *user.User) error {
	lockouts, err := h.d.Throttle.Failed(ctx, account, ip)
	if err != nil {
		return apperr.Unavailable(err)
	}
	entityID := ""
	if target != nil {
		entityID = target.ID().String()
	}
	meta := map[string]any{"email": account, "ip": ip, "reason": reason}
	if err := h.d.Audit.Record(ctx, auditlog.Event{
		Actor: auditlog.SystemActor, Action: ActionLoginFailed, EntityType: entityUser, EntityID: entityID, Metadata: meta,
	}); err != nil {
		return err
	}
	for _, l := range lockouts {
		if err := h.d.Audit.Record(ctx, auditlog.Event{
			Actor: auditlog.SystemActor, Action: ActionLockedOut, EntityType: entityUser, EntityID: entityID,
			Metadata: map[string]any{"email": account, "ip": ip, "scope": l.Scope, "seconds": int(l.For.Seconds())},
		}); err != nil {
			return err
		}
	}
	return errInvalidCredentials()
}

func (h LoginHandler) succeed(ctx context.Context, u *user.User, ip string) (Tokens, error) {
	now := h.d.now()
	family, first := token.StartFamily(h.d.newID(), h.d.newID(), u.ID(), now, h.d.Policy.RefreshTTL)
	err := h.d.UoW.Do(ctx, func(ctx context.Context) error {
		if err := h.d.Refresh.AddFamily(ctx, family, first.Token); err != nil {
			return err
		}
		return h.d.Audit.Record(ctx, auditlog.Event{
			Actor: u.ID().String(), Action: ActionLoggedIn, EntityType: entityUser, EntityID: u.ID().String(),
			Metadata: map[string]any{"ip": ip, "familyId": family.ID.String()},
		})
	})
	if err != nil {
		return Tokens{}, err
	}
	// Forgetting old failures is best effort: the login already succeeded.
	_ = h.d.Throttle.Succeeded(ctx, u.Email().String())
	return h.d.issueTokens(u, first.Secret)
}
