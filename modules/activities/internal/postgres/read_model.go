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
	var row activityRow
	err := database.Conn(ctx, m.db).Where("id = ? AND deleted_at IS NULL", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return query.Activity{}, activity.ErrNotFound
	}
	if err != nil {
		return query.Activity{}, database.Translate(fmt.Errorf("read activity %s: %w", id, err))
	}
	return query.ViewOf(row.state()), nil
}

// Activities implements query.ReadModel: a keyset query, newest first,
// served by the partial indexes on (owner_id[, status], id DESC) or
// ([status, ]id DESC), so a page deep in the list costs what the first
// page costs (docs/pagination.md).
func (m *ReadModel) Activities(ctx context.Context, f query.Filter) ([]query.Activity, error) {
	q := database.Conn(ctx, m.db).Where("deleted_at IS NULL")
	if f.OwnerID != nil {
		q = q.Where("owner_id = ?", *f.OwnerID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Before != nil {
		q = q.Where("id < ?", *f.Before)
	}
	var rows []activityRow
	if err := q.Order("id DESC").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, database.Translate(fmt.Errorf("list activities: %w", err))
	}
	views := make([]query.Activity, len(rows))
	for i, row := range rows {
		views[i] = query.ViewOf(row.state())
	}
	return views, nil
}

// CountActivities implements query.ReadModel.
func (m *ReadModel) CountActivities(ctx context.Context, owner uuid.UUID) (int, error) {
	var n int64
	err := database.Conn(ctx, m.db).Model(&activityRow{}).Where("owner_id = ? AND deleted_at IS NULL", owner).Count(&n).Error
	if err != nil {
		return 0, database.Translate(fmt.Errorf("count activities: %w", err))
	}
	return int(n), nil
}
