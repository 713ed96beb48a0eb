// Package auth carries the authenticated caller through a request and
// decides what it may do. Identity plugs its token verifier in through the
// Verifier port, so no other module imports identity; every application
// handler checks permissions with Require, so the rules of API.md live in
// one table instead of being re-derived per route.
package auth

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/platform/apperr"
)

// Role is one of the roles of API.md.
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

// Permission names one row of the permission table of API.md.
type Permission string

// The permissions of API.md.
const (
	// ManageOwnActivities: create, read, update and delete one's own activities.
	ManageOwnActivities Permission = "activities:own"
	// ManageAllActivities: read, update and delete every user's activities.
	ManageAllActivities Permission = "activities:all"
	// ReadAudit: read audit events.
	ReadAudit Permission = "audit:read"
	// VerifyAudit: recompute the audit hash chain.
	VerifyAudit Permission = "audit:verify"
	// ManageUsers: list users, change roles, deactivate users.
	ManageUsers Permission = "users:manage"
)

var grants = map[Role][]Permission{
	RoleMember:  {ManageOwnActivities},
	RoleAuditor: {ReadAudit},
	RoleAdmin:   {ManageOwnActivities, ManageAllActivities, ReadAudit, VerifyAudit, ManageUsers},
}

// Principal is the authenticated caller.
type Principal struct {
	UserID uuid.UUID
	Roles  []Role
}

// Has reports whether any of the principal's roles grants p.
func (p Principal) Has(perm Permission) bool {
	for _, r := range p.Roles {
		if slices.Contains(grants[r], perm) {
			return true
		}
	}
	return false
}

// Actor is the principal's id as written in audit events.
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
// handlers that need a caller but no particular permission (e.g. /v1/me).
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

// Verifier turns a bearer token into a principal. Identity provides one;
// an invalid token must yield an error whose code is unauthorized.
type Verifier interface {
	Verify(ctx context.Context, token string) (Principal, error)
}
