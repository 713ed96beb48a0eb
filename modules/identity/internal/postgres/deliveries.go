package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zebralabs/zebra/platform/database"
)

// Deliveries records which outbox events the mailer has mailed.
type Deliveries struct {
	db *gorm.DB
}

// NewDeliveries returns the store over db.
func NewDeliveries(db *gorm.DB) *Deliveries { return &Deliveries{db: db} }

// Delivered reports whether a mail was already sent for eventID.
func (d *Deliveries) Delivered(ctx context.Context, eventID uuid.UUID) (bool, error) {
	var row mailDeliveryRow
	err := database.Conn(ctx, d.db).Where("event_id = ?", eventID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	return err == nil, wrap("read mail delivery", err)
}

// MarkDelivered records that the mail for eventID went out.
func (d *Deliveries) MarkDelivered(ctx context.Context, eventID uuid.UUID, kind string, at time.Time) error {
	row := mailDeliveryRow{EventID: eventID, Kind: kind, SentAt: at.UTC()}
	err := database.Conn(ctx, d.db).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error
	return wrap("record mail delivery", err)
}
