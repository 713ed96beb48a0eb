package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// State selects rows for Admin.List.
type State string

// The states an operator lists.
const (
	StatePending State = "pending"
	StateDead    State = "dead"
)

// Entry is an outbox row as an operator sees it.
type Entry struct {
	ID            uuid.UUID  `gorm:"column:id" json:"id"`
	Seq           int64      `gorm:"column:seq" json:"seq"`
	AggregateType string     `gorm:"column:aggregate_type" json:"aggregateType"`
	AggregateID   string     `gorm:"column:aggregate_id" json:"aggregateId"`
	Type          string     `gorm:"column:event_type" json:"type"`
	Attempts      int        `gorm:"column:attempts" json:"attempts"`
	CreatedAt     time.Time  `gorm:"column:created_at" json:"createdAt"`
	NextAttemptAt time.Time  `gorm:"column:next_attempt_at" json:"nextAttemptAt"`
	DeadAt        *time.Time `gorm:"column:dead_at" json:"deadAt"`
	LastError     *string    `gorm:"column:last_error" json:"lastError"`
}

// ErrNotRequeueable is returned by Requeue for an id that is not an
// unpublished row (unknown, or already published).
var ErrNotRequeueable = errors.New("no unpublished outbox row with this id")

// Admin is what `zebra outbox` does: list rows that are stuck and put
// them back in the queue.
type Admin struct {
	db *gorm.DB
}

// NewAdmin returns an Admin over db.
func NewAdmin(db *gorm.DB) *Admin { return &Admin{db: db} }

// List returns up to limit rows in state, oldest first.
func (a *Admin) List(ctx context.Context, state State, limit int) ([]Entry, error) {
	q := a.db.WithContext(ctx).Model(&record{}).Where("published_at IS NULL")
	switch state {
	case StateDead:
		q = q.Where("dead_at IS NOT NULL")
	case StatePending:
		q = q.Where("dead_at IS NULL")
	default:
		return nil, fmt.Errorf("list outbox: unknown state %q (pending or dead)", state)
	}
	var out []Entry
	if err := q.Order("seq").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list outbox %s rows: %w", state, err)
	}
	return out, nil
}

// Requeue makes an unpublished row (dead, or waiting for a retry) due now
// with a fresh attempt budget, and wakes the relays.
func (a *Admin) Requeue(ctx context.Context, id uuid.UUID) error {
	n, err := a.requeue(ctx, "id = ? AND published_at IS NULL", id)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("requeue %s: %w", id, ErrNotRequeueable)
	}
	return nil
}

// RequeueAllDead requeues every dead row and returns how many.
func (a *Admin) RequeueAllDead(ctx context.Context) (int64, error) {
	return a.requeue(ctx, "dead_at IS NOT NULL AND published_at IS NULL")
}

func (a *Admin) requeue(ctx context.Context, where string, args ...any) (int64, error) {
	var n int64
	err := a.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&record{}).Where(where, args...).
			Updates(map[string]any{"dead_at": nil, "attempts": 0, "next_attempt_at": gorm.Expr("now()")})
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		return tx.Exec("SELECT pg_notify(?, '')", Channel).Error // raw: a function call, no table
	})
	if err != nil {
		return 0, fmt.Errorf("requeue outbox rows: %w", err)
	}
	return n, nil
}
