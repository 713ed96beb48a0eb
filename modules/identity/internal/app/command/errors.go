package command

import (
	"errors"
	"fmt"
	"time"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/etag"
)

// errInvalidCredentials is the one answer to a wrong email, a wrong
// password, an external account and a deactivated user alike.
func errInvalidCredentials() error {
	return apperr.Unauthorized("the email or password is incorrect")
}

// errInvalidRefresh is the answer to any refresh token that does not
// yield a new pair.
func errInvalidRefresh(cause error) error {
	return apperr.Wrap(apperr.CodeUnauthorized, "the refresh token is invalid, expired or revoked; log in again", cause)
}

// RateLimitedError is returned while a login is locked out. It unwraps to
// an apperr rate_limited error; the HTTP adapter adds Retry-After.
type RateLimitedError struct {
	RetryAfter time.Duration
}

// Error implements error.
func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("too many failed logins; retry after %s", e.RetryAfter)
}

// Unwrap makes the error match apperr's rate_limited code.
func (e *RateLimitedError) Unwrap() error {
	return apperr.New(apperr.CodeRateLimited, "too many failed login attempts; retry later")
}

// RetryAfterSeconds rounds up, so clients never retry too early.
func (e *RateLimitedError) RetryAfterSeconds() int {
	s := int((e.RetryAfter + time.Second - 1) / time.Second)
	return max(s, 1)
}

// translate maps domain errors to apperr; unknown errors pass through and
// become 500s at the edge (or timeouts/unavailable, translated by the adapters).
func translate(err error) error {
	var invalidRole user.InvalidRoleError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, user.ErrNotFound):
		return apperr.NotFound("no such user")
	case errors.Is(err, user.ErrStaleVersion):
		return etag.Stale()
	case errors.Is(err, user.ErrEmailTaken):
		return apperr.Conflict("email_taken", "an account with this email already exists")
	case errors.Is(err, user.ErrSelfDemotion):
		return apperr.Conflict("self_demotion", "you cannot remove your own admin role")
	case errors.Is(err, user.ErrSelfDeactivate):
		return apperr.Conflict("self_deactivation", "you cannot deactivate your own account")
	case errors.Is(err, user.ErrNoRoles):
		return apperr.Validation(apperr.FieldError{Field: "roles", Message: "must name at least one role"})
	case errors.As(err, &invalidRole):
		return apperr.Validation(apperr.FieldError{Field: "roles", Message: invalidRole.Error() + "; roles are member, auditor, admin"})
	case errors.Is(err, user.ErrInvalidEmail):
		return apperr.Validation(apperr.FieldError{Field: "email", Message: user.ErrInvalidEmail.Error()})
	case errors.Is(err, user.ErrPasswordPolicy):
		return apperr.Validation(apperr.FieldError{Field: "password", Message: user.ErrPasswordPolicy.Error()})
	case errors.Is(err, user.ErrInvalidName):
		return apperr.Validation(apperr.FieldError{Field: "displayName", Message: user.ErrInvalidName.Error()})
	case errors.Is(err, token.ErrInvalid):
		return apperr.Validation(apperr.FieldError{Field: "token", Message: "is invalid, expired or already used"})
	}
	return err
}
