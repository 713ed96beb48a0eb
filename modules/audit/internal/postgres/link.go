package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
	"github.com/zebralabs/zebra/platform/database"
)

// linkBatch is how many events one chaining transaction links at most.
const linkBatch = 1000

// queueRow is the audit.unchained row: an event waiting for the chainer.
type queueRow struct {
	EventID uuid.UUID `gorm:"column:event_id;primaryKey"`
}

// TableName implements gorm's tabler.
func (queueRow) TableName() string { return "audit.unchained" }

// chainRow is the audit.chain row: an event's place in the chain.
type chainRow struct {
	Seq     int64     `gorm:"column:seq;primaryKey;autoIncrement:false"`
	EventID uuid.UUID `gorm:"column:event_id"`
	Hash    []byte    `gorm:"column:hash"`
}

// TableName implements gorm's tabler.
func (chainRow) TableName() string { return "audit.chain" }

// headRow is the audit.chain_head row.
type headRow struct {
	ID      int16      `gorm:"column:id;primaryKey"`
	Seq     int64      `gorm:"column:seq"`
	Hash    []byte     `gorm:"column:hash"`
	EventID *uuid.UUID `gorm:"column:event_id"`
}

// TableName implements gorm's tabler.
func (headRow) TableName() string { return "audit.chain_head" }

// headID is the primary key of the chain head's only row.
const headID = 1

// Link links every queued event into the chain, in batches of linkBatch,
// and returns how many it linked (see linkBatch).
func (s *Store) Link(ctx context.Context) (int, error) {
	// Most passes of an idle chainer find nothing: look without a
	// transaction or a lock first.
	var queued []uuid.UUID
	if err := s.db.WithContext(ctx).Model(&queueRow{}).Limit(1).Pluck("event_id", &queued).Error; err != nil {
		return 0, database.Translate(fmt.Errorf("look for unchained audit events: %w", err))
	}
	if len(queued) == 0 {
		return 0, nil
	}
	total := 0
	for after := uuid.Nil; ; {
		n, last, err := s.linkBatch(ctx, after)
		total += n
		if err != nil || last == uuid.Nil {
			return total, err
		}
		after = last
	}
}

// linkBatch links up to linkBatch queued events with ids above after, in
// one transaction: it locks the chain head FOR UPDATE (so the chainers of
// several replicas take turns and the chain has one end), reads the
// queued events (those whose transaction committed), chains them in id
// order after the head, inserts their chain rows, removes them from the
// queue and moves the head: one commit for the whole batch. It returns how
// many it linked and, when it read a full batch of the queue, the last id
// read (else uuid.Nil). A queued event whose row is gone cannot be linked;
// it stays queued, later batches read past it, and verification reports it.
func (s *Store) linkBatch(ctx context.Context, after uuid.UUID) (n int, last uuid.UUID, err error) {
	err = s.uow.Do(ctx, func(ctx context.Context) error {
		tx := database.Conn(ctx, s.db)
		var head headRow
		err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Take(&head, headID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return errors.New("lock audit chain head: audit.chain_head has no row (was audit.sql applied?)")
		}
		if err != nil {
			return fmt.Errorf("lock audit chain head: %w", err)
		}
		// The queue's primary key first, then the events by theirs: a
		// batch costs what it links, however large audit.events grows.
		var ids []uuid.UUID
		queue := tx.Model(&queueRow{}).Where("event_id > ?", after).Order("event_id").Limit(linkBatch)
		if err := queue.Pluck("event_id", &ids).Error; err != nil {
			return fmt.Errorf("read the audit queue: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		if len(ids) == linkBatch {
			last = ids[len(ids)-1]
		}
		var rows []eventRow
		if err := tx.Where("id IN ?", ids).Order("id").Find(&rows).Error; err != nil {
			return fmt.Errorf("read queued audit events: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		link := event.Link{Seq: head.Seq, Hash: head.Hash}
		links := make([]chainRow, len(rows))
		linked := make([]uuid.UUID, len(rows))
		for i, r := range rows {
			link = fromRow(r, 0, nil).Chain(link)
			links[i] = chainRow{Seq: link.Seq, EventID: link.EventID, Hash: link.Hash}
			linked[i] = r.ID
		}
		if err := tx.Create(&links).Error; err != nil {
			return fmt.Errorf("insert audit chain rows: %w", err)
		}
		if err := tx.Where("event_id IN ?", linked).Delete(&queueRow{}).Error; err != nil {
			return fmt.Errorf("dequeue linked audit events: %w", err)
		}
		err = tx.Model(&headRow{ID: headID}).
			Updates(map[string]any{"seq": link.Seq, "hash": link.Hash, "event_id": link.EventID}).Error
		if err != nil {
			return fmt.Errorf("move audit chain head: %w", err)
		}
		n = len(rows)
		return nil
	})
	if err != nil {
		return 0, uuid.Nil, database.Translate(err)
	}
	return n, last, nil
}

// VacuumQueue vacuums audit.unchained, unless a vacuum of it is already
// running. Every event is inserted into the queue and deleted from it a
// moment later, and the chainer reads the queue from its start many times
// a second, so its dead rows are read again and again until a vacuum
// removes them; autovacuum comes at most once a minute by default (and
// not at all where it is off). The table holds only the events of the
// last moments, so a vacuum costs a few milliseconds. A role that does not
// own the table gets a warning from the server and nothing is done.
func (s *Store) VacuumQueue(ctx context.Context) error {
	// Raw: VACUUM is a utility statement gorm has no builder for.
	if err := s.db.WithContext(ctx).Exec("VACUUM (SKIP_LOCKED) audit.unchained").Error; err != nil {
		return database.Translate(fmt.Errorf("vacuum audit.unchained: %w", err))
	}
	return nil
}
