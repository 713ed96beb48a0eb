package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/attachment"
	"github.com/zebralabs/zebra/platform/database"
)

// attachmentsTable is the qualified name of the attachments table.
const attachmentsTable = "activities.attachments"

// attachmentRow is one row of activities.attachments.
type attachmentRow struct {
	ID          uuid.UUID `gorm:"column:id;primaryKey"`
	ActivityID  uuid.UUID `gorm:"column:activity_id"`
	Filename    string    `gorm:"column:filename"`
	ContentType string    `gorm:"column:content_type"`
	Size        int64     `gorm:"column:size_bytes"`
	Status      string    `gorm:"column:status"`
	CreatedAt   time.Time `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt   time.Time `gorm:"column:updated_at;autoUpdateTime:false"`
	CreatedBy   uuid.UUID `gorm:"column:created_by"`
	UpdatedBy   uuid.UUID `gorm:"column:updated_by"`
	Version     int       `gorm:"column:version"`
}

// TableName tells gorm where the rows live.
func (attachmentRow) TableName() string { return attachmentsTable }

func attachmentRowOf(s attachment.State) attachmentRow {
	return attachmentRow{
		ID: s.ID, ActivityID: s.ActivityID, Filename: s.Filename, ContentType: s.ContentType, Size: s.Size,
		Status: string(s.Status), CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, CreatedBy: s.CreatedBy,
		UpdatedBy: s.UpdatedBy, Version: s.Version,
	}
}

func (r attachmentRow) state() attachment.State {
	return attachment.State{
		ID: r.ID, ActivityID: r.ActivityID, Filename: r.Filename, ContentType: r.ContentType, Size: r.Size,
		Status: attachment.Status(r.Status), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		CreatedBy: r.CreatedBy, UpdatedBy: r.UpdatedBy, Version: r.Version,
	}
}

// Attachments implements attachment.Repository and
// query.AttachmentReadModel with gorm, through the unit of work of the
// context when there is one.
type Attachments struct {
	db *gorm.DB
}

var (
	_ attachment.Repository     = (*Attachments)(nil)
	_ query.AttachmentReadModel = (*Attachments)(nil)
)

// NewAttachments returns the attachments' repository and read model.
func NewAttachments(db *gorm.DB) *Attachments { return &Attachments{db: db} }

// LockParent implements attachment.Repository: SELECT ... FOR SHARE on
// the live activity. The soft delete's UPDATE waits for the lock, and a
// lock taken after the delete committed finds no live row.
func (r *Attachments) LockParent(ctx context.Context, id uuid.UUID) (attachment.Parent, error) {
	var row activityRow
	err := database.Conn(ctx, r.db).Clauses(clause.Locking{Strength: clause.LockingStrengthShare}).
		Select("id", "owner_id").Where("id = ? AND deleted_at IS NULL", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return attachment.Parent{}, attachment.ErrNotFound
	}
	if err != nil {
		return attachment.Parent{}, database.Translate(fmt.Errorf("lock activity %s: %w", id, err))
	}
	return attachment.Parent{ID: row.ID, OwnerID: row.OwnerID}, nil
}

// Add implements attachment.Repository.
func (r *Attachments) Add(ctx context.Context, a *attachment.Attachment) error {
	row := attachmentRowOf(a.State())
	if err := database.Conn(ctx, r.db).Create(&row).Error; err != nil {
		return database.Translate(fmt.Errorf("insert attachment %s: %w", row.ID, err))
	}
	return nil
}

// attachmentChangeable are the columns a change may write.
var attachmentChangeable = []string{"status", "updated_at", "updated_by", "version"}

// Update implements attachment.Repository: the UPDATE or DELETE succeeds
// only WHERE the version is still the one read.
func (r *Attachments) Update(ctx context.Context, activity, id uuid.UUID, fn func(*attachment.Attachment) error) error {
	db := database.Conn(ctx, r.db)
	var row attachmentRow
	err := db.Where("id = ? AND activity_id = ?", id, activity).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return attachment.ErrNotFound
	}
	if err != nil {
		return database.Translate(fmt.Errorf("load attachment %s: %w", id, err))
	}
	a := attachment.Rebuild(row.state())
	if err := fn(a); err != nil {
		return err
	}
	if len(a.Events()) == 0 {
		return nil
	}
	var res *gorm.DB
	if a.Deleted() {
		res = db.Where("id = ? AND version = ?", id, row.Version).Delete(&attachmentRow{})
	} else {
		next := attachmentRowOf(a.State())
		res = db.Model(&next).Where("version = ?", row.Version).Select(attachmentChangeable).Updates(&next)
	}
	if res.Error != nil {
		return database.Translate(fmt.Errorf("write attachment %s: %w", id, res.Error))
	}
	if res.RowsAffected == 0 {
		return attachment.ErrVersionMismatch
	}
	return nil
}

// DeleteAll implements attachment.Repository with DELETE ... RETURNING.
func (r *Attachments) DeleteAll(ctx context.Context, activity uuid.UUID) ([]*attachment.Attachment, error) {
	var rows []attachmentRow
	err := database.Conn(ctx, r.db).Clauses(clause.Returning{}).Where("activity_id = ?", activity).Delete(&rows).Error
	if err != nil {
		return nil, database.Translate(fmt.Errorf("delete the attachments of activity %s: %w", activity, err))
	}
	out := make([]*attachment.Attachment, len(rows))
	for i, row := range rows {
		out[i] = attachment.Rebuild(row.state())
	}
	return out, nil
}

// Attachment implements query.AttachmentReadModel.
func (r *Attachments) Attachment(ctx context.Context, activity, id uuid.UUID) (query.Attachment, error) {
	var row attachmentRow
	err := database.Conn(ctx, r.db).Where("id = ? AND activity_id = ?", id, activity).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return query.Attachment{}, attachment.ErrNotFound
	}
	if err != nil {
		return query.Attachment{}, database.Translate(fmt.Errorf("read attachment %s: %w", id, err))
	}
	return query.AttachmentViewOf(row.state()), nil
}

// Attachments implements query.AttachmentReadModel: a keyset query on
// (activity_id, id DESC), newest first.
func (r *Attachments) Attachments(ctx context.Context, f query.AttachmentFilter) ([]query.Attachment, error) {
	q := database.Conn(ctx, r.db).Where("activity_id = ?", f.ActivityID)
	if f.Before != nil {
		q = q.Where("id < ?", *f.Before)
	}
	var rows []attachmentRow
	if err := q.Order("id DESC").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, database.Translate(fmt.Errorf("list attachments: %w", err))
	}
	views := make([]query.Attachment, len(rows))
	for i, row := range rows {
		views[i] = query.AttachmentViewOf(row.state())
	}
	return views, nil
}
