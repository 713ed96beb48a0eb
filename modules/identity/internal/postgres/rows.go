// Package postgres implements the identity context's repositories and read
// model on PostgreSQL through gorm. It maps between the domain's types and
// its own rows, and translates driver errors into domain errors (not
// found, email taken, stale version) or apperr (timeout, unavailable).
package postgres

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
)

// userRow is identity.users.
type userRow struct {
	ID              uuid.UUID `gorm:"column:id;primaryKey"`
	Email           *string   `gorm:"column:email"`
	DisplayName     *string   `gorm:"column:display_name"`
	PasswordHash    *string   `gorm:"column:password_hash"`
	Roles           textArray `gorm:"column:roles"`
	EmailVerifiedAt *time.Time
	DeactivatedAt   *time.Time
	CreatedAt       time.Time `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt       time.Time `gorm:"column:updated_at;autoUpdateTime:false"`
	CreatedBy       string
	UpdatedBy       string
	Version         int
}

// TableName implements gorm's tabler.
func (userRow) TableName() string { return "identity.users" }

func toUserRow(u *user.User) userRow {
	s := u.Snapshot()
	roles := make(textArray, len(s.Roles))
	for i, r := range s.Roles {
		roles[i] = string(r)
	}
	return userRow{
		ID: s.ID, Email: nonEmpty(s.Email), DisplayName: s.DisplayName, PasswordHash: nonEmpty(s.PasswordHash),
		Roles: roles, EmailVerifiedAt: s.EmailVerifiedAt, DeactivatedAt: s.DeactivatedAt,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, CreatedBy: s.CreatedBy, UpdatedBy: s.UpdatedBy, Version: s.Version,
	}
}

func (r userRow) toDomain() (*user.User, error) {
	roles := make([]user.Role, len(r.Roles))
	for i, v := range r.Roles {
		roles[i] = user.Role(v)
	}
	return user.FromSnapshot(user.Snapshot{
		ID: r.ID, Email: deref(r.Email), DisplayName: r.DisplayName, PasswordHash: deref(r.PasswordHash),
		Roles: roles, EmailVerifiedAt: utc(r.EmailVerifiedAt), DeactivatedAt: utc(r.DeactivatedAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), CreatedBy: r.CreatedBy, UpdatedBy: r.UpdatedBy,
		Version: r.Version,
	})
}

// externalIdentityRow is identity.external_identities.
type externalIdentityRow struct {
	Issuer    string    `gorm:"column:issuer;primaryKey"`
	Subject   string    `gorm:"column:subject;primaryKey"`
	UserID    uuid.UUID `gorm:"column:user_id"`
	CreatedAt time.Time `gorm:"column:created_at;autoCreateTime:false"`
}

// TableName implements gorm's tabler.
func (externalIdentityRow) TableName() string { return "identity.external_identities" }

// familyRow is identity.refresh_token_families.
type familyRow struct {
	ID           uuid.UUID `gorm:"column:id;primaryKey"`
	UserID       uuid.UUID `gorm:"column:user_id"`
	CreatedAt    time.Time `gorm:"column:created_at;autoCreateTime:false"`
	RevokedAt    *time.Time
	RevokeReason *string
}

// TableName implements gorm's tabler.
func (familyRow) TableName() string { return "identity.refresh_token_families" }

func toFamilyRow(f *token.Family) familyRow {
	return familyRow{ID: f.ID, UserID: f.UserID, CreatedAt: f.CreatedAt, RevokedAt: f.RevokedAt, RevokeReason: nonEmpty(f.RevokeReason)}
}

func (r familyRow) toDomain() *token.Family {
	return &token.Family{ID: r.ID, UserID: r.UserID, CreatedAt: r.CreatedAt.UTC(), RevokedAt: utc(r.RevokedAt), RevokeReason: deref(r.RevokeReason)}
}

// refreshRow is identity.refresh_tokens.
type refreshRow struct {
	ID        uuid.UUID `gorm:"column:id;primaryKey"`
	FamilyID  uuid.UUID `gorm:"column:family_id"`
	UserID    uuid.UUID `gorm:"column:user_id"`
	TokenHash []byte    `gorm:"column:token_hash"`
	IssuedAt  time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// TableName implements gorm's tabler.
func (refreshRow) TableName() string { return "identity.refresh_tokens" }

func toRefreshRow(t *token.Refresh) refreshRow {
	return refreshRow{ID: t.ID, FamilyID: t.FamilyID, UserID: t.UserID, TokenHash: t.Hash[:], IssuedAt: t.IssuedAt, ExpiresAt: t.ExpiresAt, UsedAt: t.UsedAt}
}

func (r refreshRow) toDomain() *token.Refresh {
	t := &token.Refresh{ID: r.ID, FamilyID: r.FamilyID, UserID: r.UserID, IssuedAt: r.IssuedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), UsedAt: utc(r.UsedAt)}
	copy(t.Hash[:], r.TokenHash)
	return t
}

// oneTimeRow is identity.one_time_tokens.
type oneTimeRow struct {
	ID        uuid.UUID `gorm:"column:id;primaryKey"`
	UserID    uuid.UUID `gorm:"column:user_id"`
	Purpose   string
	TokenHash []byte    `gorm:"column:token_hash"`
	CreatedAt time.Time `gorm:"column:created_at;autoCreateTime:false"`
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// TableName implements gorm's tabler.
func (oneTimeRow) TableName() string { return "identity.one_time_tokens" }

func toOneTimeRow(t *token.OneTime) oneTimeRow {
	return oneTimeRow{ID: t.ID, UserID: t.UserID, Purpose: string(t.Purpose), TokenHash: t.Hash[:], CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, UsedAt: t.UsedAt}
}

func (r oneTimeRow) toDomain() *token.OneTime {
	t := &token.OneTime{ID: r.ID, UserID: r.UserID, Purpose: token.Purpose(r.Purpose), CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), UsedAt: utc(r.UsedAt)}
	copy(t.Hash[:], r.TokenHash)
	return t
}

// mailDeliveryRow is identity.mail_deliveries.
type mailDeliveryRow struct {
	EventID uuid.UUID `gorm:"column:event_id;primaryKey"`
	Kind    string
	SentAt  time.Time
}

// TableName implements gorm's tabler.
func (mailDeliveryRow) TableName() string { return "identity.mail_deliveries" }

// textArray maps a Postgres text[] of simple words (role names). It only
// supports elements without commas, quotes, braces or spaces, which the
// users_roles_valid check guarantees.
type textArray []string

// Value implements driver.Valuer.
func (a textArray) Value() (driver.Value, error) {
	for _, s := range a {
		if s == "" || strings.ContainsAny(s, `,"{}\ `) {
			return nil, fmt.Errorf("text[] element %q needs quoting", s)
		}
	}
	return "{" + strings.Join(a, ",") + "}", nil
}

// Scan implements sql.Scanner.
func (a *textArray) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case nil:
		*a = nil
		return nil
	default:
		return fmt.Errorf("scan text[] from %T", src)
	}
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return errors.New("malformed text[] literal")
	}
	inner := s[1 : len(s)-1]
	if inner == "" {
		*a = textArray{}
		return nil
	}
	*a = strings.Split(inner, ",")
	return nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
