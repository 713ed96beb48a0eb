// Package postgres stores the audit log in PostgreSQL: events
// (audit.events, appended in the caller's transaction without any lock),
// the hash chain (audit.chain, appended by the chainer shortly after the
// events commit, with its end in audit.chain_head) and the queue between
// them (audit.unchained); the list read model and the chain reader for
// verification.
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

// walkBatch is how many chain positions Walk reads per statement, and
// linkBatch how many events one chaining transaction links at most.
const (
	walkBatch = 1000
	linkBatch = 1000
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

// eventRow is the audit.events row.
type eventRow struct {
	ID         uuid.UUID `gorm:"column:id;primaryKey"`
	OccurredAt time.Time `gorm:"column:occurred_at"`
	Actor      string    `gorm:"column:actor"`
	Action     string    `gorm:"column:action"`
	EntityType string    `gorm:"column:entity_type"`
	EntityID   string    `gorm:"column:entity_id"`
	RequestID  string    `gorm:"column:request_id"`
	Before     []byte    `gorm:"column:before"`
	After      []byte    `gorm:"column:after"`
	Metadata   []byte    `gorm:"column:metadata"`
}

// TableName implements gorm's tabler.
func (eventRow) TableName() string { return "audit.events" }

// linkedRow is an event with its place in the chain, as Walk reads it.
type linkedRow struct {
	Seq   int64    `gorm:"column:seq"`
	Hash  []byte   `gorm:"column:hash"`
	Event eventRow `gorm:"embedded"`
}

// headRow is the audit.chain_head row.
type headRow struct {
	Seq     int64      `gorm:"column:seq"`
	Hash    []byte     `gorm:"column:hash"`
	EventID *uuid.UUID `gorm:"column:event_id"`
}

// eventColumns are eventRow's columns, qualified by the alias e.
const eventColumns = "e.id, e.occurred_at, e.actor, e.action, e.entity_type, e.entity_id, e.request_id, e.before, e.after, e.metadata"

// Append inserts the events and queues them for the chainer, in one
// statement in the transaction of ctx, sent with the transaction's next
// statement or its COMMIT (database.Defer): they commit or roll back with the
// change they describe, and no lock is taken, so audited writers never
// wait for each other. The chainer links them into the chain shortly after
// the commit (Link); verification covers them from then on.
func (s *Store) Append(ctx context.Context, events ...*event.Event) error {
	if len(events) == 0 {
		return nil
	}
	var sql strings.Builder
	sql.WriteString("WITH ins AS (INSERT INTO audit.events " +
		"(id, occurred_at, actor, action, entity_type, entity_id, request_id, before, after, metadata) VALUES ")
	args := make([]any, 0, len(events)*10)
	for i, e := range events {
		if i > 0 {
			sql.WriteString(", ")
		}
		database.Tuple(&sql, len(args)+1, 10)
		args = append(args, e.ID(), e.OccurredAt(), e.Actor(), e.Action(), e.EntityType(),
			e.EntityID(), e.RequestID(), jsonArg(e.Before()), jsonArg(e.After()), jsonArg(e.Metadata()))
	}
	sql.WriteString(" RETURNING id) INSERT INTO audit.unchained (event_id) SELECT id FROM ins")
	if err := database.Defer(ctx, s.db, sql.String(), args...); err != nil {
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

// Link links every queued event into the chain, in batches of linkBatch,
// and returns how many it linked. Each batch is one transaction that locks
// the chain head FOR UPDATE (so chainers of several replicas take turns),
// reads the queued events (those whose transaction committed), chains
// them in id order after the head, appends them to audit.chain, removes
// them from the queue and moves the head: one commit for the whole batch.
// A queued event whose row is gone cannot be linked; it stays queued and
// verification reports it (Unchained).
func (s *Store) Link(ctx context.Context) (int, error) {
	// Most passes of an idle chainer find nothing: look without a
	// transaction or a lock first.
	var queued bool
	if err := s.db.WithContext(ctx).Raw("SELECT EXISTS (SELECT 1 FROM audit.unchained)").Scan(&queued).Error; err != nil {
		return 0, database.Translate(fmt.Errorf("look for unchained audit events: %w", err))
	}
	if !queued {
		return 0, nil
	}
	total := 0
	for {
		n, err := s.linkBatch(ctx)
		total += n
		if err != nil || n < linkBatch {
			return total, err
		}
	}
}

func (s *Store) linkBatch(ctx context.Context) (int, error) {
	var n int
	err := s.uow.Do(ctx, func(ctx context.Context) error {
		var head headRow
		var found bool
		err := database.Query(ctx, s.db, func(rows database.Row) error {
			found = true
			return rows.Scan(&head.Seq, &head.Hash, &head.EventID)
		}, "SELECT seq, hash, event_id FROM audit.chain_head WHERE id = 1 FOR UPDATE")
		if err != nil {
			return fmt.Errorf("lock audit chain head: %w", err)
		}
		if !found {
			return errors.New("lock audit chain head: audit.chain_head has no row (was audit.sql applied?)")
		}
		// Driven by the queue's primary key: a batch costs what it links,
		// however large audit.events grows. The events are fetched by id
		// one queued row at a time (LATERAL ... OFFSET 0 cannot be turned
		// into a join), because the planner, working from the statistics
		// of a young table, chose a hash join that read all of
		// audit.events on every batch (docs/performance.md). Rows are
		// scanned by hand: the chainer handles every event once.
		link := event.Link{Seq: head.Seq, Hash: head.Hash}
		var stmt strings.Builder
		stmt.WriteString("WITH ins AS (INSERT INTO audit.chain (seq, event_id, hash) VALUES ")
		args := make([]any, 0, 64)
		var ids []uuid.UUID
		err = database.Query(ctx, s.db, func(rows database.Row) error {
			var r eventRow
			if err := rows.Scan(&r.ID, &r.OccurredAt, &r.Actor, &r.Action, &r.EntityType, &r.EntityID, &r.RequestID,
				&r.Before, &r.After, &r.Metadata); err != nil {
				return err
			}
			link = fromRow(r, 0, nil).Chain(link)
			if len(ids) > 0 {
				stmt.WriteString(", ")
			}
			database.Tuple(&stmt, len(args)+1, 3)
			args = append(args, link.Seq, link.EventID, link.Hash)
			ids = append(ids, r.ID)
			return nil
		}, "SELECT "+eventColumns+" FROM (SELECT event_id FROM audit.unchained ORDER BY event_id LIMIT $1) q "+
			"CROSS JOIN LATERAL (SELECT * FROM audit.events ev WHERE ev.id = q.event_id OFFSET 0) e ORDER BY e.id", linkBatch)
		if err != nil {
			return fmt.Errorf("read unchained audit events: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		next := len(args) + 1
		fmt.Fprintf(&stmt, "), del AS (DELETE FROM audit.unchained WHERE event_id = ANY($%d)) "+
			"UPDATE audit.chain_head SET seq = $%d, hash = $%d, event_id = $%d WHERE id = 1", next, next+1, next+2, next+3)
		args = append(args, ids, link.Seq, link.Hash, link.EventID)
		if _, err := database.Exec(ctx, s.db, stmt.String(), args...); err != nil {
			return fmt.Errorf("link audit events: %w", err)
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, database.Translate(err)
	}
	return n, nil
}

// Unchained returns the oldest event that should be in the chain by now
// but is not: one that occurred more than olderThan ago and is not linked
// (never queued, e.g. inserted behind the service's back), or else one
// still queued after olderThan (its row was removed before it could be
// linked). uuid.Nil when there is none.
func (s *Store) Unchained(ctx context.Context, olderThan time.Duration) (uuid.UUID, error) {
	var ids []uuid.UUID
	err := s.db.WithContext(ctx).Raw(`SELECT e.id FROM audit.events e
		WHERE e.occurred_at < now() - make_interval(secs => ?)
		  AND NOT EXISTS (SELECT 1 FROM audit.chain c WHERE c.event_id = e.id)
		ORDER BY e.id LIMIT 1`, olderThan.Seconds()).Scan(&ids).Error
	if err == nil && len(ids) == 0 {
		err = s.db.WithContext(ctx).Raw(`SELECT event_id FROM audit.unchained
			WHERE enqueued_at < now() - make_interval(secs => ?) ORDER BY enqueued_at, event_id LIMIT 1`,
			olderThan.Seconds()).Scan(&ids).Error
	}
	if err != nil {
		return uuid.Nil, database.Translate(fmt.Errorf("find unchained audit events: %w", err))
	}
	if len(ids) == 0 {
		return uuid.Nil, nil
	}
	return ids[0], nil
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

// VacuumQueue vacuums audit.unchained, unless a vacuum of it is already
// running. Every event is inserted into the queue and deleted from it a
// moment later, and the chainer reads the queue from its start many times
// a second, so its dead rows are read again and again until a vacuum
// removes them; autovacuum comes at most once a minute by default (and
// not at all where it is off). The table holds only the events of the
// last moments, so a vacuum costs a few milliseconds. A role that does not
// own the table gets a warning from the server and nothing is done.
func (s *Store) VacuumQueue(ctx context.Context) error {
	if err := s.db.WithContext(ctx).Exec("VACUUM (SKIP_LOCKED) audit.unchained").Error; err != nil {
		return database.Translate(fmt.Errorf("vacuum audit.unchained: %w", err))
	}
	return nil
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

// Walk reads the chain by seq in windows of walkBatch positions (keyset
// on the primary key), each joined with its events, so verifying millions
// of events needs constant memory. A position whose event row is gone is
// skipped: the next event's position then does not follow, which the
// verifier reports.
func (s *Store) Walk(ctx context.Context, upTo int64, fn func(*event.Event) bool) error {
	for after := int64(0); after < upTo; after += walkBatch {
		var rows []linkedRow
		err := s.db.WithContext(ctx).Raw("SELECT c.seq, c.hash, "+eventColumns+
			" FROM audit.chain c JOIN audit.events e ON e.id = c.event_id"+
			" WHERE c.seq > ? AND c.seq <= ? ORDER BY c.seq", after, min(after+walkBatch, upTo)).Scan(&rows).Error
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

func fromRow(r eventRow, seq int64, hash []byte) *event.Event {
	return event.FromStorage(event.Stored{
		Draft: event.Draft{
			ID: r.ID, OccurredAt: r.OccurredAt, Actor: r.Actor, Action: r.Action,
			EntityType: r.EntityType, EntityID: r.EntityID, RequestID: r.RequestID,
			Before: r.Before, After: r.After, Metadata: r.Metadata,
		},
		Seq: seq, Hash: hash,
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
