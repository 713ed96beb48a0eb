package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
	"github.com/zebralabs/zebra/platform/database"
)

// Tokens implements token.RefreshRepository and token.OneTimeRepository.
type Tokens struct {
	db *gorm.DB
}

var (
	_ token.RefreshRepository = (*Tokens)(nil)
	_ token.OneTimeRepository = (*Tokens)(nil)
)

// NewTokens returns the repository over db.
func NewTokens(db *gorm.DB) *Tokens { return &Tokens{db: db} }

// AddFamily inserts a family and its first token.
func (r *Tokens) AddFamily(ctx context.Context, f *token.Family, first *token.Refresh) error {
	conn := database.Conn(ctx, r.db)
	fr := toFamilyRow(f)
	if err := conn.Create(&fr).Error; err != nil {
		return wrap("insert token family", err)
	}
	tr := toRefreshRow(first)
	return wrap("insert refresh token", conn.Create(&tr).Error)
}

// ByHash locks the family of the token with hash h (FOR UPDATE), then
// reads the token in a second statement: under READ COMMITTED that
// statement sees what a concurrent refresh committed while we waited for
// the lock, so the second of two racing refreshes sees the token spent.
// Call it inside a unit of work. Unknown hashes are token.ErrInvalid.
func (r *Tokens) ByHash(ctx context.Context, h token.Hash) (*token.Family, *token.Refresh, error) {
	conn := database.Conn(ctx, r.db)
	var fr familyRow
	err := conn.Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("id = (SELECT family_id FROM identity.refresh_tokens WHERE token_hash = ?)", h[:]).
		Take(&fr).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, token.ErrInvalid
	}
	if err != nil {
		return nil, nil, wrap("lock token family", err)
	}
	var tr refreshRow
	if err := conn.Where("token_hash = ?", h[:]).Take(&tr).Error; err != nil {
		return nil, nil, wrap("load refresh token", err)
	}
	return fr.toDomain(), tr.toDomain(), nil
}

// SaveRotation marks spent used, saves the family state and inserts next.
func (r *Tokens) SaveRotation(ctx context.Context, f *token.Family, spent, next *token.Refresh) error {
	conn := database.Conn(ctx, r.db)
	if err := conn.Model(&refreshRow{}).Where("id = ?", spent.ID).Update("used_at", spent.UsedAt).Error; err != nil {
		return wrap("spend refresh token", err)
	}
	if err := r.SaveFamily(ctx, f); err != nil {
		return err
	}
	if next == nil {
		return nil
	}
	row := toRefreshRow(next)
	return wrap("insert refresh token", conn.Create(&row).Error)
}

// SaveFamily writes the family's revocation state.
func (r *Tokens) SaveFamily(ctx context.Context, f *token.Family) error {
	row := toFamilyRow(f)
	err := database.Conn(ctx, r.db).Model(&familyRow{}).Where("id = ?", f.ID).
		Updates(map[string]any{"revoked_at": row.RevokedAt, "revoke_reason": row.RevokeReason}).Error
	return wrap("save token family", err)
}

// RevokeAll revokes every live family of the user.
func (r *Tokens) RevokeAll(ctx context.Context, userID uuid.UUID, reason string, now time.Time) (int, error) {
	res := database.Conn(ctx, r.db).Model(&familyRow{}).
		Where("user_id = ? AND revoked_at IS NULL", userID).
		Updates(map[string]any{"revoked_at": now.UTC(), "revoke_reason": reason})
	return int(res.RowsAffected), wrap("revoke token families", res.Error)
}

// AddOneTime inserts a one-time token.
func (r *Tokens) AddOneTime(ctx context.Context, t *token.OneTime) error {
	row := toOneTimeRow(t)
	return wrap("insert one-time token", database.Conn(ctx, r.db).Create(&row).Error)
}

// OneTimeByHash locks and returns the token of purpose with hash h.
func (r *Tokens) OneTimeByHash(ctx context.Context, purpose token.Purpose, h token.Hash) (*token.OneTime, error) {
	var row oneTimeRow
	err := database.Conn(ctx, r.db).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("token_hash = ? AND purpose = ?", h[:], string(purpose)).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, token.ErrInvalid
	}
	if err != nil {
		return nil, wrap("load one-time token", err)
	}
	return row.toDomain(), nil
}

// SaveOneTime writes the token's used_at.
func (r *Tokens) SaveOneTime(ctx context.Context, t *token.OneTime) error {
	err := database.Conn(ctx, r.db).Model(&oneTimeRow{}).Where("id = ?", t.ID).Update("used_at", t.UsedAt).Error
	return wrap("save one-time token", err)
}

// SpendAll marks the user's unused tokens of purpose as used.
func (r *Tokens) SpendAll(ctx context.Context, userID uuid.UUID, purpose token.Purpose, now time.Time) error {
	err := database.Conn(ctx, r.db).Model(&oneTimeRow{}).
		Where("user_id = ? AND purpose = ? AND used_at IS NULL", userID, string(purpose)).
		Update("used_at", now.UTC()).Error
	return wrap("spend one-time tokens", err)
}
