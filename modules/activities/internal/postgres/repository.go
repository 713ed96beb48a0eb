package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/platform/database"
)

// Invalidator drops cached copies of an activity older than version. The
// repository calls it after the unit of work commits.
type Invalidator interface {
	Invalidate(ctx context.Context, key string, version int64)
}

// Replacer is an Invalidator that can also take the new value itself
// (*cache.Cache does).
type Replacer interface {
	Replace(ctx context.Context, key string, v query.Activity, version int64)
}

// Repository implements activity.Repository on PostgreSQL with gorm. It
// writes through the unit of work in the context when there is one.
type Repository struct {
	db    *gorm.DB
	cache Invalidator
}

var _ activity.Repository = (*Repository)(nil)

// NewRepository returns a repository over db. cache may be nil.
func NewRepository(db *gorm.DB, cache Invalidator) *Repository {
	return &Repository{db: db, cache: cache}
}

// changeable are the columns a change may write; the id, the owner and the
// creation stamp never change.
var changeable = []string{"title", "description", "status", "updated_at", "updated_by", "version", "deleted_at"}

// Add implements activity.Repository.
func (r *Repository) Add(ctx context.Context, a *activity.Activity) error {
	row := rowOf(a.State())
	if err := database.Conn(ctx, r.db).Create(&row).Error; err != nil {
		return database.Translate(fmt.Errorf("insert activity %s: %w", row.ID, err))
	}
	return nil
}

// Update implements activity.Repository. The row is read without a lock;
// the UPDATE succeeds only WHERE the version is still the one read, so of
// concurrent writers exactly one wins and the others get
// activity.ErrVersionMismatch.
func (r *Repository) Update(ctx context.Context, id uuid.UUID, fn func(*activity.Activity) error) error {
	db := database.Conn(ctx, r.db)
	var row activityRow
	err := db.Where("id = ? AND deleted_at IS NULL", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return activity.ErrNotFound
	}
	if err != nil {
		return database.Translate(fmt.Errorf("load activity %s: %w", id, err))
	}
	a := activity.Rebuild(row.state())
	if err := fn(a); err != nil {
		return err
	}
	if len(a.Events()) == 0 {
		return nil
	}
	next := rowOf(a.State())
	res := db.Model(&next).Where("version = ?", row.Version).Select(changeable).Updates(&next)
	if res.Error != nil {
		return database.Translate(fmt.Errorf("update activity %s: %w", id, res.Error))
	}
	if res.RowsAffected == 0 {
		return activity.ErrVersionMismatch
	}
	if r.cache != nil {
		database.AfterCommit(ctx, func(ctx context.Context) { r.refresh(ctx, a.State()) })
	}
	return nil
}

// refresh brings the cached copy of a committed change up to date. The
// writer has the new value: caching it spares the next read a cache miss,
// a SELECT and a cache write. A deleted activity is only invalidated:
// reads must not find it.
func (r *Repository) refresh(ctx context.Context, s activity.State) {
	if rep, ok := r.cache.(Replacer); ok && s.DeletedAt == nil {
		rep.Replace(ctx, cacheKey(s.ID), query.ViewOf(s), int64(s.Version))
		return
	}
	r.cache.Invalidate(ctx, cacheKey(s.ID), int64(s.Version))
}

// cacheKey is the read cache's key of an activity.
func cacheKey(id uuid.UUID) string { return id.String() }
