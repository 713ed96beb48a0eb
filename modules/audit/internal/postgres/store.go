// Package postgres stores the audit log in PostgreSQL: events
// (audit.events, appended in the caller's transaction without any lock),
// the hash chain (audit.chain, appended by the chainer shortly after the
// events commit, with its end in audit.chain_head) and the queue between
// them (audit.unchained, filled by a trigger on audit.events); the list
// read model and the chain reader for verification.
package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/audit/internal/app/query"
	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
	"github.com/zebralabs/zebra/platform/database"
)

// Store implements the audit ports over gorm. It has no method that
// updates or deletes an event, and the database refuses both anyway.
type Store struct {
	db  *gorm.DB
	uow *database.UnitOfWork
	// wake tells the chainer job that events committed (capacity 1: one
	// pending signal covers any number of commits).
	wake chan struct{}
}

var (
	_ event.Repository  = (*Store)(nil)
	_ query.EventReader = (*Store)(nil)
	_ query.ChainReader = (*Store)(nil)
)

// NewStore returns a store over db.
func NewStore(db *gorm.DB) *Store {
	return &Store{db: db, uow: database.NewUnitOfWork(db), wake: make(chan struct{}, 1)}
}

// eventRow is the audit.events row. The documents are json columns, passed
// as text and read back byte for byte as written.
type eventRow struct {
	ID         uuid.UUID `gorm:"column:id;primaryKey"`
	OccurredAt time.Time `gorm:"column:occurred_at"`
	Actor      string    `gorm:"column:actor"`
	Action     string    `gorm:"column:action"`
	EntityType string    `gorm:"column:entity_type"`
	EntityID   string    `gorm:"column:entity_id"`
	RequestID  string    `gorm:"column:request_id"`
	Before     *string   `gorm:"column:before"`
	After      *string   `gorm:"column:after"`
	Metadata   *string   `gorm:"column:metadata"`
	MAC        []byte    `gorm:"column:mac"`
	MACKeyID   string    `gorm:"column:mac_key_id"`
}

// TableName implements gorm's tabler.
func (eventRow) TableName() string { return "audit.events" }

// Append inserts the events in the transaction of ctx, with one INSERT:
// they commit or roll back with the change they describe, and no lock is
// taken, so audited writers never wait for each other. A trigger queues
// them for the chainer (audit.unchained, schema/audit.sql), which links
// them into the chain shortly after the commit (Link); verification covers
// them from then on. The insert needs only the grant every module role
// holds, so it joins any unit of work, the platform's own included
// (database.SharedConn).
func (s *Store) Append(ctx context.Context, events ...*event.Event) error {
	if len(events) == 0 {
		return nil
	}
	rows := make([]eventRow, len(events))
	for i, e := range events {
		rows[i] = toRow(e)
	}
	if err := database.SharedConn(ctx, s.db).Create(&rows).Error; err != nil {
		return database.Translate(fmt.Errorf("append audit events: %w", err))
	}
	database.AfterCommit(ctx, func(context.Context) {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	})
	return nil
}

// List reads one page, newest first, with one statement. Every filter
// combination is served by an index ending in id DESC (see schema/audit.hcl).
func (s *Store) List(ctx context.Context, f query.Filter, before *uuid.UUID, limit int) ([]query.EventView, error) {
	q := s.db.WithContext(ctx).Model(&eventRow{})
	for _, c := range []struct{ column, value string }{
		{"entity_type", f.EntityType}, {"entity_id", f.EntityID}, {"actor", f.Actor}, {"action", f.Action},
	} {
		if c.value != "" {
			q = q.Where(c.column+" = ?", c.value)
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
			Before: docBytes(r.Before), After: docBytes(r.After), Metadata: docBytes(r.Metadata),
		}
	}
	return out, nil
}

func toRow(e *event.Event) eventRow {
	return eventRow{
		ID: e.ID(), OccurredAt: e.OccurredAt(), Actor: e.Actor(), Action: e.Action(),
		EntityType: e.EntityType(), EntityID: e.EntityID(), RequestID: e.RequestID(),
		Before: docText(e.Before()), After: docText(e.After()), Metadata: docText(e.Metadata()),
		MAC: e.MAC(), MACKeyID: e.MACKeyID(),
	}
}

func fromRow(r eventRow, seq int64, hash []byte) *event.Event {
	return event.FromStorage(event.Stored{
		Draft: event.Draft{
			ID: r.ID, OccurredAt: r.OccurredAt, Actor: r.Actor, Action: r.Action,
			EntityType: r.EntityType, EntityID: r.EntityID, RequestID: r.RequestID,
			Before: docBytes(r.Before), After: docBytes(r.After), Metadata: docBytes(r.Metadata),
		},
		MAC: r.MAC, MACKeyID: r.MACKeyID, Seq: seq, Hash: hash,
	})
}

// docText passes a JSON document as text (NULL when absent), which
// Postgres casts to json whatever the connection's query mode; []byte
// would go as bytea in the simple protocol.
func docText(doc []byte) *string {
	if doc == nil {
		return nil
	}
	s := string(doc)
	return &s
}

func docBytes(s *string) []byte {
	if s == nil {
		return nil
	}
	return []byte(*s)
}
