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
	if u == nil {
		return Tokens{}, h.fail(ctx, account, cmd.IP, reason)
	}
	return h.succeed(ctx, u, cmd.IP)
}

// authenticate returns the user when the password is right and the user
// active, else the reason it is not (for the audit trail only).
func (h LoginHandler) authenticate(ctx context.Context, account, password string) (*user.User, string, error) {
	email, err := user.ParseEmail(account)
	var u *user.User
	if err == nil {
		u, err = h.d.Users.ByEmail(ctx, email)
	}
	switch {
	case err != nil && !isNotFoundOrInvalid(err):
		return nil, "", err
	case u == nil:
		h.d.Hasher.Burn(password)
		return nil, "unknown_email", nil
	}
	ok, err := h.d.Hasher.Verify(password, u.PasswordHash())
	switch {
	case err != nil:
		return nil, "", err
	case !ok:
		return nil, "wrong_password", nil
	case !u.Active():
		return nil, "deactivated", nil
	}
	return u, "", nil
}

func isNotFoundOrInvalid(err error) bool {
	return errors.Is(err, user.ErrNotFound) || errors.Is(err, user.ErrInvalidEmail)
}

// fail counts the failure, audits it (and any lockout it started) and
// answers the same 401 whatever the reason.
func (h LoginHandler) fail(ctx context.Context, account, ip, reason string) error {
	lockouts, err := h.d.Throttle.Failed(ctx, account, ip)
	if err != nil {
		return apperr.Unavailable(err)
	}
	meta := map[string]any{"email": account, "ip": ip, "reason": reason}
	if err := h.d.Audit.Record(ctx, auditlog.Event{
		Actor: auditlog.SystemActor, Action: ActionLoginFailed, EntityType: entityUser, Metadata: meta,
	}); err != nil {
		return err
	}
	for _, l := range lockouts {
		if err := h.d.Audit.Record(ctx, auditlog.Event{
			Actor: auditlog.SystemActor, Action: ActionLockedOut, EntityType: entityUser,
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
