// Package postgres is the activities context's storage adapter, written
// with gorm (docs/adr/0006-plain-data-path.md): the row and its
// converters, the repository that implements activity.Repository with
// optimistic concurrency in the UPDATE's WHERE clause, the read model that
// answers queries with keyset pages, and its read-through cache.
package postgres

import (
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/platform/migrate"
)

// table is the qualified name of the activities table.
const table = "activities.activities"

// SchemaSource is the activities context's part of the desired schema.
func SchemaSource() migrate.Source {
	return migrate.Embedded("activities")
}

// activityRow is one row of activities.activities. Timestamps are written
// by the domain, never by gorm, so autoCreateTime/autoUpdateTime are off.
type activityRow struct {
	ID          uuid.UUID  `gorm:"column:id;primaryKey"`
	OwnerID     uuid.UUID  `gorm:"column:owner_id"`
	Title       string     `gorm:"column:title"`
	Description *string    `gorm:"column:description"`
	Status      string     `gorm:"column:status"`
	CreatedAt   time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt   time.Time  `gorm:"column:updated_at;autoUpdateTime:false"`
	CreatedBy   uuid.UUID  `gorm:"column:created_by"`
	UpdatedBy   uuid.UUID  `gorm:"column:updated_by"`
	Version     int        `gorm:"column:version"`
	DeletedAt   *time.Time `gorm:"column:deleted_at"`
}

// TableName tells gorm where the rows live.
func (activityRow) TableName() string { return table }

func rowOf(s activity.State) activityRow {
	return activityRow{
		ID: s.ID, OwnerID: s.OwnerID, Title: s.Title, Description: s.Description, Status: s.Status.String(),
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, CreatedBy: s.CreatedBy, UpdatedBy: s.UpdatedBy,
		Version: s.Version, DeletedAt: s.DeletedAt,
	}
}

func (r activityRow) state() activity.State {
	return activity.State{
		ID: r.ID, OwnerID: r.OwnerID, Title: r.Title, Description: r.Description, Status: activity.Status(r.Status),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), CreatedBy: r.CreatedBy, UpdatedBy: r.UpdatedBy,
		Version: r.Version, DeletedAt: utc(r.DeletedAt),
	}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
