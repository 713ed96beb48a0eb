// Package user holds the User aggregate of the identity context: who may
// sign in, with which roles, and whether the account is verified and
// active. It knows nothing of storage, HTTP or tokens; it guards its own
// invariants (normalized email, valid roles, version bumps on every change).
package user

import (
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
)

// Role is a role a user may hold. The names match the platform's roles;
// the application layer translates between the two.
type Role string

// The roles of the permission table.
const (
	RoleMember  Role = "member"
	RoleAuditor Role = "auditor"
	RoleAdmin   Role = "admin"
)

// validRoles lists every role in display order.
var validRoles = []Role{RoleMember, RoleAuditor, RoleAdmin}

// MaxDisplayNameLength bounds display names, counted in characters.
const MaxDisplayNameLength = 100

// Errors the aggregate returns; the application layer maps them to the API.
var (
	ErrNotFound       = errors.New("user not found")
	ErrEmailTaken     = errors.New("email already registered")
	ErrStaleVersion   = errors.New("user changed since it was read")
	ErrInactive       = errors.New("user is deactivated")
	ErrNoRoles        = errors.New("a user needs at least one role")
	ErrSelfDemotion   = errors.New("an admin cannot remove their own admin role")
	ErrSelfDeactivate = errors.New("an admin cannot deactivate their own account")
	ErrNoPassword     = errors.New("user has no password")
	ErrInvalidName    = errors.New("display name must be 1 to 100 characters without control characters")
	ErrExternalLinked = errors.New("external identity is already linked")
)

// InvalidRoleError names a role that does not exist.
type InvalidRoleError struct{ Role string }

func (e InvalidRoleError) Error() string { return "unknown role " + `"` + e.Role + `"` }

// User is the aggregate. Fields are unexported so every change goes
// through a method that keeps the invariants and bumps the version.
type User struct {
	id              uuid.UUID
	email           Email
	displayName     *string
	passwordHash    string
	roles           []Role
	emailVerifiedAt *time.Time
	deactivatedAt   *time.Time
	createdAt       time.Time
	updatedAt       time.Time
	createdBy       string
	updatedBy       string
	version         int
}

// NewParams carries what a new user starts with.
type NewParams struct {
	ID           uuid.UUID
	Email        Email
	DisplayName  string
	PasswordHash string
	Roles        []Role
	Now          time.Time
	// EmailVerified starts the user verified (bootstrap admins, users of
	// an external provider that vouches for the email).
	EmailVerified bool
	// Actor is who creates the user: the user itself on sign-up, "system"
	// for bootstrap commands, an admin otherwise.
	Actor string
}

// New creates a user at version 1.
func New(p NewParams) (*User, error) {
	if p.ID == uuid.Nil {
		return nil, errors.New("user id is required")
	}
	if p.Email.IsZero() && p.PasswordHash != "" {
		// Only users provisioned from an external identity provider may
		// lack an email: they never sign in with a password.
		return nil, errors.New("a user with a password needs an email")
	}
	name, err := normalizeDisplayName(p.DisplayName)
	if err != nil {
		return nil, err
	}
	roles, err := normalizeRoles(p.Roles)
	if err != nil {
		return nil, err
	}
	now := p.Now.UTC()
	actor := p.Actor
	if actor == "" {
		actor = p.ID.String()
	}
	u := &User{
		id: p.ID, email: p.Email, displayName: name, passwordHash: p.PasswordHash, roles: roles,
		createdAt: now, updatedAt: now, createdBy: actor, updatedBy: actor, version: 1,
	}
	if p.EmailVerified {
		u.emailVerifiedAt = &now
	}
	return u, nil
}

// Snapshot is the full state of a user, for repositories and read models.
type Snapshot struct {
	ID              uuid.UUID
	Email           string
	DisplayName     *string
	PasswordHash    string
	Roles           []Role
	EmailVerifiedAt *time.Time
	DeactivatedAt   *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
	CreatedBy       string
	UpdatedBy       string
	Version         int
}

// FromSnapshot rebuilds a user from storage. It trusts the stored state
// except for what would make the aggregate unusable.
func FromSnapshot(s Snapshot) (*User, error) {
	email, err := parseAddress(s.Email)
	if err != nil && s.Email != "" {
		return nil, err
	}
	roles := make([]Role, 0, len(s.Roles))
	for _, r := range s.Roles {
		if !slices.Contains(validRoles, r) {
			return nil, InvalidRoleError{Role: string(r)}
		}
		roles = append(roles, r)
	}
	return &User{
		id: s.ID, email: email, displayName: s.DisplayName, passwordHash: s.PasswordHash, roles: roles,
		emailVerifiedAt: s.EmailVerifiedAt, deactivatedAt: s.DeactivatedAt,
		createdAt: s.CreatedAt, updatedAt: s.UpdatedAt, createdBy: s.CreatedBy, updatedBy: s.UpdatedBy,
		version: s.Version,
	}, nil
}

// Snapshot returns the user's state; slices and pointers are copies.
func (u *User) Snapshot() Snapshot {
	return Snapshot{
		ID: u.id, Email: u.email.String(), DisplayName: clonePtr(u.displayName), PasswordHash: u.passwordHash,
		Roles: slices.Clone(u.roles), EmailVerifiedAt: clonePtr(u.emailVerifiedAt), DeactivatedAt: clonePtr(u.deactivatedAt),
		CreatedAt: u.createdAt, UpdatedAt: u.updatedAt, CreatedBy: u.createdBy, UpdatedBy: u.updatedBy, Version: u.version,
	}
}

// ID returns the user's id.
func (u *User) ID() uuid.UUID { return u.id }

// Email returns the normalized email.
func (u *User) Email() Email { return u.email }

// PasswordHash returns the encoded password hash, empty for external users.
func (u *User) PasswordHash() string { return u.passwordHash }

// Roles returns a copy of the roles.
func (u *User) Roles() []Role { return slices.Clone(u.roles) }

// HasRole reports whether the user holds r.
func (u *User) HasRole(r Role) bool { return slices.Contains(u.roles, r) }

// Active reports whether the user may sign in.
func (u *User) Active() bool { return u.deactivatedAt == nil }

// EmailVerified reports whether the user proved they own the email.
func (u *User) EmailVerified() bool { return u.emailVerifiedAt != nil }

// Version returns the optimistic-concurrency version.
func (u *User) Version() int { return u.version }

// VerifyEmail marks the email as verified; verifying twice changes nothing.
func (u *User) VerifyEmail(now time.Time, actor string) bool {
	if u.emailVerifiedAt != nil {
		return false
	}
	t := now.UTC()
	u.emailVerifiedAt = &t
	u.touch(now, actor)
	return true
}

// SetPassword replaces the password hash.
func (u *User) SetPassword(hash string, now time.Time, actor string) error {
	if !u.Active() {
		return ErrInactive
	}
	if hash == "" {
		return ErrNoPassword
	}
	u.passwordHash = hash
	u.touch(now, actor)
	return nil
}

// ChangeRoles replaces the roles. An admin may not remove their own admin
// role, so the last admin cannot lock everyone out by accident. It reports
// whether anything changed.
func (u *User) ChangeRoles(roles []Role, by uuid.UUID, now time.Time) (bool, error) {
	next, err := normalizeRoles(roles)
	if err != nil {
		return false, err
	}
	if by == u.id && u.HasRole(RoleAdmin) && !slices.Contains(next, RoleAdmin) {
		return false, ErrSelfDemotion
	}
	if slices.Equal(next, u.roles) {
		return false, nil
	}
	u.roles = next
	u.touch(now, by.String())
	return true, nil
}

// GrantRoles adds roles the user does not hold yet and reports whether
// anything changed (used by the idempotent bootstrap of admins).
func (u *User) GrantRoles(roles []Role, now time.Time, actor string) (bool, error) {
	next, err := normalizeRoles(append(slices.Clone(u.roles), roles...))
	if err != nil {
		return false, err
	}
	if slices.Equal(next, u.roles) {
		return false, nil
	}
	u.roles = next
	u.touch(now, actor)
	return true, nil
}

// Deactivate stops the user from signing in. Deactivating an inactive user
// changes nothing and reports false.
func (u *User) Deactivate(by uuid.UUID, now time.Time) (bool, error) {
	if by == u.id {
		return false, ErrSelfDeactivate
	}
	if u.deactivatedAt != nil {
		return false, nil
	}
	t := now.UTC()
	u.deactivatedAt = &t
	u.touch(now, by.String())
	return true, nil
}

func (u *User) touch(now time.Time, actor string) {
	u.updatedAt = now.UTC()
	u.updatedBy = actor
	u.version++
}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !slices.Contains(validRoles, r) {
		return "", InvalidRoleError{Role: s}
	}
	return r, nil
}

// normalizeRoles validates, de-duplicates and orders roles canonically,
// so equal sets compare equal and the stored order is stable.
func normalizeRoles(roles []Role) ([]Role, error) {
	if len(roles) == 0 {
		return nil, ErrNoRoles
	}
	out := make([]Role, 0, len(roles))
	for _, v := range validRoles {
		if slices.Contains(roles, v) {
			out = append(out, v)
		}
	}
	for _, r := range roles {
		if !slices.Contains(validRoles, r) {
			return nil, InvalidRoleError{Role: string(r)}
		}
	}
	return out, nil
}

// NormalizeDisplayName trims name; empty means none. It rejects names that
// are too long or carry control characters.
func normalizeDisplayName(name string) (*string, error) {
	n := strings.TrimSpace(name)
	if n == "" {
		return nil, nil
	}
	if len([]rune(n)) > MaxDisplayNameLength || strings.IndexFunc(n, unicode.IsControl) >= 0 {
		return nil, ErrInvalidName
	}
	return &n, nil
}

// ValidateDisplayName reports whether name is acceptable, for input checks
// before any work is done.
func ValidateDisplayName(name string) error {
	_, err := normalizeDisplayName(name)
	return err
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
