package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/platform/database"
)

// Users implements user.Repository and user.ExternalIdentities.
type Users struct {
	db *gorm.DB
}

var (
	_ user.Repository         = (*Users)(nil)
	_ user.ExternalIdentities = (*Users)(nil)
)

// NewUsers returns the repository over db.
func NewUsers(db *gorm.DB) *Users { return &Users{db: db} }

// Add inserts u; a taken email is user.ErrEmailTaken.
func (r *Users) Add(ctx context.Context, u *user.User) error {
	row := toUserRow(u)
	err := database.Conn(ctx, r.db).Create(&row).Error
	if database.IsUniqueViolation(err, "users_email_key") {
		return user.ErrEmailTaken
	}
	return wrap("insert user", err)
}

// Get loads a user by id.
func (r *Users) Get(ctx context.Context, id uuid.UUID) (*user.User, error) {
	return r.first(ctx, "id = ?", id)
}

// ByEmail loads a user by normalized email.
func (r *Users) ByEmail(ctx context.Context, email user.Email) (*user.User, error) {
	return r.first(ctx, "email = ?", email.String())
}

func (r *Users) first(ctx context.Context, where string, arg any) (*user.User, error) {
	var row userRow
	err := database.Conn(ctx, r.db).Where(where, arg).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, user.ErrNotFound
	}
	if err != nil {
		return nil, wrap("load user", err)
	}
	return row.toDomain()
}

// maxInternalRetries bounds retries of updates that did not name a version
// (internal commands), which just re-read after a concurrent change.
const maxInternalRetries = 3

// Update loads the user, applies fn and writes it back with the version in
// the UPDATE's WHERE, so a concurrent change makes it fail instead of
// being overwritten: user.ErrStaleVersion when accepted lists the versions
// a client sent (If-Match). With accepted nil it re-reads and retries a
// few times.
func (r *Users) Update(ctx context.Context, id uuid.UUID, accepted []int, fn func(*user.User) error) (*user.User, error) {
	for attempt := 0; ; attempt++ {
		u, err := r.update(ctx, id, accepted, fn)
		if errors.Is(err, user.ErrStaleVersion) && accepted == nil && attempt < maxInternalRetries {
			continue
		}
		return u, err
	}
}

func (r *Users) update(ctx context.Context, id uuid.UUID, accepted []int, fn func(*user.User) error) (*user.User, error) {
	u, err := r.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	read := u.Version()
	if accepted != nil && !slices.Contains(accepted, read) {
		return nil, user.ErrStaleVersion
	}
	if err := fn(u); err != nil {
		return nil, err
	}
	if u.Version() == read {
		return u, nil
	}
	row := toUserRow(u)
	res := database.Conn(ctx, r.db).Model(&userRow{}).
		Where("id = ? AND version = ?", id, read).
		Updates(map[string]any{
			"email": row.Email, "display_name": row.DisplayName, "password_hash": row.PasswordHash,
			"roles": row.Roles, "email_verified_at": row.EmailVerifiedAt, "deactivated_at": row.DeactivatedAt,
			"updated_at": row.UpdatedAt, "updated_by": row.UpdatedBy, "version": row.Version,
		})
	if res.Error != nil {
		return nil, wrap("update user", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, user.ErrStaleVersion
	}
	return u, nil
}

// UserByExternal loads the user linked to issuer+subject.
func (r *Users) UserByExternal(ctx context.Context, issuer, subject string) (*user.User, error) {
	var row userRow
	err := database.Conn(ctx, r.db).
		Joins("JOIN identity.external_identities e ON e.user_id = users.id").
		Where("e.issuer = ? AND e.subject = ?", issuer, subject).
		Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, user.ErrNotFound
	}
	if err != nil {
		return nil, wrap("load external user", err)
	}
	return row.toDomain()
}

// Link records issuer+subject for userID.
func (r *Users) Link(ctx context.Context, issuer, subject string, userID uuid.UUID) error {
	row := externalIdentityRow{Issuer: issuer, Subject: subject, UserID: userID, CreatedAt: time.Now().UTC()}
	err := database.Conn(ctx, r.db).Create(&row).Error
	if database.IsUniqueViolation(err) {
		return user.ErrExternalLinked
	}
	return wrap("link external identity", err)
}

// wrap translates driver errors (timeouts, lost connections) and adds
// what was being done.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return database.Translate(fmt.Errorf("%s: %w", what, err))
}
