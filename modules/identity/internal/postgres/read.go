package postgres

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/identity/internal/app/query"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/platform/database"
)

// ReadModel implements query.ReadModel with one statement per call and no
// transaction (a plain read needs one round trip, not three).
type ReadModel struct {
	db *gorm.DB
}

var _ query.ReadModel = (*ReadModel)(nil)

// NewReadModel returns the read model over db.
func NewReadModel(db *gorm.DB) *ReadModel { return &ReadModel{db: db} }

// userColumns is every column but the password hash, which reads never need.
const userColumns = "id, email, display_name, roles, email_verified_at, deactivated_at, created_at, updated_at, created_by, updated_by, version"

// User returns one user's view.
func (m *ReadModel) User(ctx context.Context, id uuid.UUID) (query.User, error) {
	var row userRow
	err := database.Conn(ctx, m.db).Select(userColumns).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return query.User{}, user.ErrNotFound
	}
	if err != nil {
		return query.User{}, wrap("read user", err)
	}
	return view(row), nil
}

// Users returns up to limit users with ids below before, newest first.
func (m *ReadModel) Users(ctx context.Context, before *uuid.UUID, limit int) ([]query.User, error) {
	q := database.Conn(ctx, m.db).Select(userColumns).Order("id DESC").Limit(limit)
	if before != nil {
		q = q.Where("id < ?", *before)
	}
	var rows []userRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, wrap("list users", err)
	}
	out := make([]query.User, len(rows))
	for i, r := range rows {
		out[i] = view(r)
	}
	return out, nil
}

func view(r userRow) query.User {
	roles := append([]string{}, r.Roles...)
	return query.User{
		ID: r.ID, Email: r.Email, DisplayName: r.DisplayName, Roles: roles,
		EmailVerified: r.EmailVerifiedAt != nil, Active: r.DeactivatedAt == nil,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version,
	}
}
