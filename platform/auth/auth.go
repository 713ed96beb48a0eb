// Package auth carries the authenticated caller through a request and
// decides what it may do. A module plugs a token verifier in through the
// Verifier port, so no module imports another to authenticate; each module
// declares its own permissions and what every role is granted of them
// (ProvideGrants), and every application handler checks them with
// Require. The platform knows the roles, never a module's permissions.
package auth

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/platform/apperr"
)

// Role is one of the roles of docs/api.md: the user model's roles, which every
// module grants its permissions to.
type Role string

// The roles a user may hold.
const (
	RoleMember  Role = "member"
	RoleAuditor Role = "auditor"
	RoleAdmin   Role = "admin"
)

// Roles lists every valid role, for validation and documentation.
var Roles = []Role{RoleMember, RoleAuditor, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Permission names one thing a caller may do. A module declares its own,
// named "<module>:<what>", next to the code that checks them.
type Permission string

// Principal is the authenticated caller. Has answers from the policy the
// principal was bound to (Policy.Bind, or NewPrincipal): a principal
// built as a bare literal holds no permission at all.
type Principal struct {
	UserID uuid.UUID
	Roles  []Role
	policy *Policy
}

// NewPrincipal returns a principal whose Has answers from grants alone:
// for tests of application handlers, and for commands that act as a fixed
// role outside any request.
func NewPrincipal(userID uuid.UUID, roles []Role, grants ...Grants) Principal {
	return NewPolicy(grants...).Bind(Principal{UserID: userID, Roles: roles})
}

// Has reports whether any of the principal's roles is granted perm.
func (p Principal) Has(perm Permission) bool { return p.policy.allows(p.Roles, perm) }

// Actor is the principal's id as written in audit-log events.
func (p Principal) Actor() string { return p.UserID.String() }

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal of the request, if authenticated.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Authenticated returns the principal or an unauthorized error. Use it in
// handlers that need a caller but no particular permission.
func Authenticated(ctx context.Context) (Principal, error) {
	p, ok := FromContext(ctx)
	if !ok {
		return Principal{}, apperr.Unauthorized("authentication is required")
	}
	return p, nil
}

// Require returns the principal when it holds perm: unauthorized without a
// principal, forbidden without the permission. Application handlers call it
// first, so the rule holds whichever adapter invoked the handler.
func Require(ctx context.Context, perm Permission) (Principal, error) {
	p, err := Authenticated(ctx)
	if err != nil {
		return p, err
	}
	if !p.Has(perm) {
		return p, apperr.Forbidden("you do not have permission to do this")
	}
	return p, nil
}

// Verifier turns a bearer token into a principal. The module that issues
// tokens provides one; an invalid token must yield an error whose code is
// unauthorized. The platform binds the principals it returns to the
// policy (Policy.Verifier), so a verifier need not know any permission.
type Verifier interface {
	Verify(ctx context.Context, token string) (Principal, error)
}
