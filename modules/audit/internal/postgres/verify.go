package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
	"github.com/zebralabs/zebra/platform/database"
)

// walkBatch is how many chain positions Walk reads per statement.
const walkBatch = 1000

// linkedRow is an event with its place in the chain, as Walk reads it.
type linkedRow struct {
	Seq   int64    `gorm:"column:seq"`
	Hash  []byte   `gorm:"column:hash"`
	Event eventRow `gorm:"embedded"`
}

// Head reads the recorded end of the chain, without locking it.
func (s *Store) Head(ctx context.Context) (event.Link, error) {
	var head headRow
	if err := s.db.WithContext(ctx).Take(&head, headID).Error; err != nil {
		return event.Link{}, database.Translate(fmt.Errorf("read audit chain head: %w", err))
	}
	link := event.Link{Seq: head.Seq, Hash: head.Hash}
	if head.EventID != nil {
		link.EventID = *head.EventID
	}
	return link, nil
}

// Walk reads the chain by seq in windows of walkBatch positions (keyset
// on the primary key), each joined with its events, so verifying millions
// of events needs constant memory. A position whose event row is gone is
// skipped: the next event's position then does not follow, which the
// verifier reports.
func (s *Store) Walk(ctx context.Context, upTo int64, fn func(*event.Event) bool) error {
	for after := int64(0); after < upTo; after += walkBatch {
		var rows []linkedRow
		err := s.db.WithContext(ctx).Table("audit.chain AS c").Select("c.seq, c.hash, e.*").
			Joins("JOIN audit.events e ON e.id = c.event_id").
			Where("c.seq > ? AND c.seq <= ?", after, min(after+walkBatch, upTo)).
			Order("c.seq").Scan(&rows).Error
		if err != nil {
			return database.Translate(fmt.Errorf("read audit chain after seq %d: %w", after, err))
		}
		for _, r := range rows {
			if !fn(fromRow(r.Event, r.Seq, r.Hash)) {
				return nil
			}
		}
	}
	return nil
}

// Unchained returns the first event (by id) that is neither in the chain
// nor queued for it, or else the first queued id whose event row is gone;
// uuid.Nil when there is none. The service's events are queued by the
// INSERT that writes them and leave the queue in the transaction that
// chains them, so each statement's snapshot sees every event in exactly
// one of the two: anything else was written or removed behind the
// service's back (the queue's trigger disabled, a row deleted), whatever
// its occurred_at says. Each check reads the whole table once, as the
// walk does.
func (s *Store) Unchained(ctx context.Context) (uuid.UUID, error) {
	db := s.db.WithContext(ctx)
	var ids []uuid.UUID
	err := db.Table("audit.events AS e").
		Where("NOT EXISTS (?)", db.Model(&chainRow{}).Select("1").Where("event_id = e.id")).
		Where("NOT EXISTS (?)", db.Model(&queueRow{}).Select("1").Where("event_id = e.id")).
		Order("e.id").Limit(1).Pluck("e.id", &ids).Error
	if err == nil && len(ids) == 0 {
		err = db.Table("audit.unchained AS q").
			Where("NOT EXISTS (?)", db.Model(&eventRow{}).Select("1").Where("id = q.event_id")).
			Order("q.event_id").Limit(1).Pluck("q.event_id", &ids).Error
	}
	if err != nil {
		return uuid.Nil, database.Translate(fmt.Errorf("find audit events out of the chain: %w", err))
	}
	if len(ids) == 0 {
		return uuid.Nil, nil
	}
	return ids[0], nil
}
