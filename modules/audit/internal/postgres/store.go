// Package postgres stores the audit log in PostgreSQL (audit.events and
// audit.chain_head): the append-only repository with its chain lock, the
// list read model and the chain reader for verification.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/audit/internal/app/query"
	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
	"github.com/zebralabs/zebra/platform/database"
)

// walkBatch is how many events Walk reads per statement.
const walkBatch = 1000

// Store implements the audit ports over gorm. It has no method that
// updates or deletes an event, and the database refuses both anyway.
type Store struct {
	db  *gorm.DB
	uow *database.UnitOfWork
}

var (
	_ event.Repository  = (*Store)(nil)
	_ query.EventReader = (*Store)(nil)
	_ query.ChainReader = (*Store)(nil)
)

// NewStore returns a store over db.
func NewStore(db *gorm.DB) *Store {
	return &Store{db: db, uow: database.NewUnitOfWork(db)}
}

// eventRow is the audit.events row.
type eventRow struct {
	ID         uuid.UUID `gorm:"column:id;primaryKey"`
	Seq        int64     `gorm:"column:seq"`
	OccurredAt time.Time `gorm:"column:occurred_at"`
	Actor      string    `gorm:"column:actor"`
	Action     string    `gorm:"column:action"`
	EntityType string    `gorm:"column:entity_type"`
	EntityID   string    `gorm:"column:entity_id"`
	RequestID  string    `gorm:"column:request_id"`
	Before     []byte    `gorm:"column:before"`
	After      []byte    `gorm:"column:after"`
	Metadata   []byte    `gorm:"column:metadata"`
	Hash       []byte    `gorm:"column:hash"`
}

// TableName implements gorm's tabler.
func (eventRow) TableName() string { return "audit.events" }

// headRow is the audit.chain_head row.
type headRow struct {
	Seq     int64      `gorm:"column:seq"`
	Hash    []byte     `gorm:"column:hash"`
	EventID *uuid.UUID `gorm:"column:event_id"`
}

// Append locks the chain head FOR UPDATE (in READ COMMITTED the locked
// read returns the head as the previous holder committed it), chains the
// events after it and, in one more statement, inserts them and moves the
// head. Two round trips inside the lock; it is released at commit.
func (s *Store) Append(ctx context.Context, events ...*event.Event) error {
	if len(events) == 0 {
		return nil
	}
	if !database.InTx(ctx) {
		// The lock only means something inside a transaction.
		return s.uow.Do(ctx, func(ctx context.Context) error { return s.Append(ctx, events...) })
	}
	conn := database.Conn(ctx, s.db)
	var head headRow
	res := conn.Raw("SELECT seq, hash, event_id FROM audit.chain_head WHERE id = 1 FOR UPDATE").Scan(&head)
	if res.Error != nil {
		return database.Translate(fmt.Errorf("lock audit chain head: %w", res.Error))
	}
	if res.RowsAffected != 1 {
		return errors.New("lock audit chain head: audit.chain_head has no row (was audit.sql applied?)")
	}
	link := event.Link{Seq: head.Seq, Hash: head.Hash}
	var sql strings.Builder
	sql.WriteString("WITH ins AS (INSERT INTO audit.events " +
		"(id, seq, occurred_at, actor, action, entity_type, entity_id, request_id, before, after, metadata, hash) VALUES ")
	args := make([]any, 0, len(events)*12+3)
	for i, e := range events {
		link = e.Chain(link)
		if i > 0 {
			sql.WriteString(", ")
		}
		sql.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, e.ID(), e.Seq(), e.OccurredAt(), e.Actor(), e.Action(), e.EntityType(),
			e.EntityID(), e.RequestID(), jsonArg(e.Before()), jsonArg(e.After()), jsonArg(e.Metadata()), e.Hash())
	}
	sql.WriteString(") UPDATE audit.chain_head SET seq = ?, hash = ?, event_id = ? WHERE id = 1")
	args = append(args, link.Seq, link.Hash, link.EventID)
	if err := conn.Exec(sql.String(), args...).Error; err != nil {
		return database.Translate(fmt.Errorf("append audit events: %w", err))
	}
	return nil
}

// List reads one page, newest first, with one statement. Every filter
// combination is served by an index ending in id DESC (see schema/audit.hcl).
func (s *Store) List(ctx context.Context, f query.Filter, before *uuid.UUID, limit int) ([]query.EventView, error) {
	q := s.db.WithContext(ctx).Model(&eventRow{})
	for col, val := range map[string]string{
		"entity_type": f.EntityType, "entity_id": f.EntityID, "actor": f.Actor, "action": f.Action,
	} {
		if val != "" {
			q = q.Where(col+" = ?", val)
		}
	}
	if before != nil {
		q = q.Where("id < ?", *before)
	}
	var rows []eventRow
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, database.Translate(fmt.Errorf("list audit events: %w", err))
	}
	out := make([]query.EventView, len(rows))
	for i, r := range rows {
		out[i] = query.EventView{
			ID: r.ID, OccurredAt: r.OccurredAt.UTC(), Actor: r.Actor, Action: r.Action,
			EntityType: r.EntityType, EntityID: r.EntityID, RequestID: r.RequestID,
			Before: r.Before, After: r.After, Metadata: r.Metadata,
		}
	}
	return out, nil
}

// Head reads the recorded end of the chain, without locking it.
func (s *Store) Head(ctx context.Context) (event.Link, error) {
	var head headRow
	err := s.db.WithContext(ctx).Raw("SELECT seq, hash, event_id FROM audit.chain_head WHERE id = 1").Scan(&head).Error
	if err != nil {
		return event.Link{}, database.Translate(fmt.Errorf("read audit chain head: %w", err))
	}
	link := event.Link{Seq: head.Seq, Hash: head.Hash}
	if head.EventID != nil {
		link.EventID = *head.EventID
	}
	return link, nil
}

// Walk reads events by seq in batches of walkBatch (keyset on the unique
// seq index), so verifying millions of events needs constant memory.
func (s *Store) Walk(ctx context.Context, upTo int64, fn func(*event.Event) bool) error {
	var after int64
	for after < upTo {
		var rows []eventRow
		err := s.db.WithContext(ctx).Where("seq > ? AND seq <= ?", after, upTo).
			Order("seq").Limit(walkBatch).Find(&rows).Error
		if err != nil {
			return database.Translate(fmt.Errorf("read audit events after seq %d: %w", after, err))
		}
		for _, r := range rows {
			if !fn(fromRow(r)) {
				return nil
			}
		}
		if len(rows) < walkBatch {
			return nil
		}
		after = rows[len(rows)-1].Seq
	}
	return nil
}

func fromRow(r eventRow) *event.Event {
	return event.FromStorage(event.Stored{
		Draft: event.Draft{
			ID: r.ID, OccurredAt: r.OccurredAt, Actor: r.Actor, Action: r.Action,
			EntityType: r.EntityType, EntityID: r.EntityID, RequestID: r.RequestID,
			Before: r.Before, After: r.After, Metadata: r.Metadata,
		},
		Seq: r.Seq, Hash: r.Hash,
	})
}

// jsonArg passes a JSON document as text (NULL when absent), which
// Postgres casts to jsonb.
func jsonArg(doc []byte) any {
	if doc == nil {
		return nil
	}
	return string(doc)
}
