package postgres

import (
	"context"
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

// Repository implements activity.Repository on PostgreSQL. It writes
// through the unit of work in the context when there is one.
type Repository struct {
	db    *gorm.DB
	cache Invalidator
}

var _ activity.Repository = (*Repository)(nil)

// NewRepository returns a repository over db. cache may be nil.
func NewRepository(db *gorm.DB, cache Invalidator) *Repository {
	return &Repository{db: db, cache: cache}
}

// rowColumns are activityRow's columns, in the order of rowValues.
const rowColumns = "id, owner_id, title, description, status, created_at, updated_at, created_by, updated_by, version, deleted_at"

func rowValues(r activityRow) []any {
	return []any{r.ID, r.OwnerID, r.Title, r.Description, r.Status, r.CreatedAt, r.UpdatedAt, r.CreatedBy, r.UpdatedBy, r.Version, r.DeletedAt}
}

// Add implements activity.Repository. Like Update, it runs its statement
// through database.Exec, without gorm's builder: on the hot write path its
// reflection cost more CPU than the round trip (docs/performance.md).
func (r *Repository) Add(ctx context.Context, a *activity.Activity) error {
	row := rowOf(a.State())
	_, err := database.Exec(ctx, r.db,
		"INSERT INTO "+table+" ("+rowColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", rowValues(row)...)
	if err != nil {
		return database.Translate(fmt.Errorf("insert activity %s: %w", row.ID, err))
	}
	query.Remember(ctx, row.view())
	return nil
}

// Update implements activity.Repository. The row is read without a lock;
// the UPDATE succeeds only WHERE the version is still the one read, so of
// concurrent writers exactly one wins and the others get
// activity.ErrVersionMismatch.
func (r *Repository) Update(ctx context.Context, id uuid.UUID, fn func(*activity.Activity) error) error {
	row, found, err := r.load(ctx, id)
	if err != nil {
		return database.Translate(fmt.Errorf("load activity %s: %w", id, err))
	}
	if !found {
		return activity.ErrNotFound
	}
	a := activity.Rebuild(row.state())
	if err := fn(a); err != nil {
		return err
	}
	if len(a.Events()) == 0 {
		return nil
	}
	next := rowOf(a.State())
	n, err := database.Exec(ctx, r.db, "UPDATE "+table+" SET title = $1, description = $2, status = $3, updated_at = $4, updated_by = $5, version = $6, deleted_at = $7"+
		" WHERE id = $8 AND version = $9",
		next.Title, next.Description, next.Status, next.UpdatedAt, next.UpdatedBy, next.Version, next.DeletedAt, id, row.Version)
	if err != nil {
		return database.Translate(fmt.Errorf("update activity %s: %w", id, err))
	}
	if n == 0 {
		return activity.ErrVersionMismatch
	}
	if next.DeletedAt == nil {
		query.Remember(ctx, next.view())
	} else {
		query.Forget(ctx, id)
	}
	if r.cache != nil {
		database.AfterCommit(ctx, func(ctx context.Context) {
			// The writer has the new value: caching it spares the read
			// that usually follows (the PATCH response) a cache miss, a
			// SELECT and a cache write. A deleted activity is only
			// invalidated: reads must not find it.
			if rep, ok := r.cache.(Replacer); ok && next.DeletedAt == nil {
				rep.Replace(ctx, cacheKey(id), next.view(), int64(next.Version))
				return
			}
			r.cache.Invalidate(ctx, cacheKey(id), int64(next.Version))
		})
	}
	return nil
}

// load reads the live row id.
func (r *Repository) load(ctx context.Context, id uuid.UUID) (row activityRow, found bool, err error) {
	err = database.Query(ctx, r.db, func(rows database.Row) error {
		found = true
		return rows.Scan(&row.ID, &row.OwnerID, &row.Title, &row.Description, &row.Status, &row.CreatedAt, &row.UpdatedAt,
			&row.CreatedBy, &row.UpdatedBy, &row.Version, &row.DeletedAt)
	}, "SELECT "+rowColumns+" FROM "+table+" WHERE id = $1 AND deleted_at IS NULL", id)
	return row, found && err == nil, err
}

// cacheKey is the read cache's key of an activity.
func cacheKey(id uuid.UUID) string { return id.String() }
