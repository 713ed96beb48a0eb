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

// viewColumns are the columns of a view, in the order views scans them.
const viewColumns = "id, title, description, status, owner_id, created_at, updated_at, created_by, updated_by, version"

// ReadModel implements query.ReadModel with one SELECT per call, outside
// any transaction unless the caller is already in one.
type ReadModel struct {
	db *gorm.DB
}

var _ query.ReadModel = (*ReadModel)(nil)

// NewReadModel returns a read model over db.
func NewReadModel(db *gorm.DB) *ReadModel { return &ReadModel{db: db} }

// Activity implements query.ReadModel.
func (m *ReadModel) Activity(ctx context.Context, id uuid.UUID) (query.Activity, error) {
	views, err := m.views(database.Conn(ctx, m.db).
		Raw("SELECT "+viewColumns+" FROM "+table+" WHERE id = ? AND deleted_at IS NULL", id), 1)
	if err != nil {
		return query.Activity{}, database.Translate(fmt.Errorf("read activity %s: %w", id, err))
	}
	if len(views) == 0 {
		return query.Activity{}, activity.ErrNotFound
	}
	return views[0], nil
}

// Activities implements query.ReadModel: a keyset query, newest first,
// served by the partial indexes on (owner_id[, status], id DESC) or
// ([status, ]id DESC), so a page deep in the list costs what the first
// page costs.
func (m *ReadModel) Activities(ctx context.Context, f query.Filter) ([]query.Activity, error) {
	q := database.Conn(ctx, m.db).Table(table).Select(viewColumns).Where("deleted_at IS NULL")
	if f.OwnerID != nil {
		q = q.Where("owner_id = ?", *f.OwnerID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Before != nil {
		q = q.Where("id < ?", *f.Before)
	}
	views, err := m.views(q.Order("id DESC").Limit(f.Limit), f.Limit)
	if err != nil {
		return nil, database.Translate(fmt.Errorf("list activities: %w", err))
	}
	return views, nil
}

// views runs q (which selects viewColumns) and scans its rows by hand:
// on the hottest reads, gorm's reflective Scan cost more CPU than the
// query's round trip (docs/performance.md). The statement still runs
// through gorm's callbacks (pool gate, tracing), and pgx's statement
// cache prepares it once per connection.
func (m *ReadModel) views(q *gorm.DB, capacity int) ([]query.Activity, error) {
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	views := make([]query.Activity, 0, capacity)
	for rows.Next() {
		var v query.Activity
		if err := rows.Scan(&v.ID, &v.Title, &v.Description, &v.Status, &v.OwnerID, &v.CreatedAt, &v.UpdatedAt,
			&v.CreatedBy, &v.UpdatedBy, &v.Version); err != nil {
			return nil, err
		}
		v.CreatedAt, v.UpdatedAt = v.CreatedAt.UTC(), v.UpdatedAt.UTC()
		views = append(views, v)
	}
	return views, rows.Err()
}

// CountActivities implements query.ReadModel.
func (m *ReadModel) CountActivities(ctx context.Context, owner uuid.UUID) (int, error) {
	var n int64
	err := database.Conn(ctx, m.db).Table(table).Where("owner_id = ? AND deleted_at IS NULL", owner).Count(&n).Error
	if err != nil {
		return 0, database.Translate(fmt.Errorf("count activities: %w", err))
	}
	return int(n), nil
}
