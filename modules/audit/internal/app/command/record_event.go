// Package command holds the audit context's state-changing use cases, one
// per file.
package command

import (
	"context"
	"fmt"
	"time"

	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/id"
	"github.com/zebralabs/zebra/platform/redact"
	"github.com/zebralabs/zebra/platform/requestid"
)

// Transactor is the unit of work as this use case needs it: Do joins the
// caller's transaction (or opens one), and BeforeCommit defers work to the
// last moment before that transaction commits.
type Transactor interface {
	Do(ctx context.Context, fn func(ctx context.Context) error) error
	BeforeCommit(ctx context.Context, fn func(ctx context.Context) error) error
}

// LockTiming says when, in the caller's transaction, the event is written.
// (Its name dates from when appending locked the end of the chain; the
// chain is now linked after the commit, by the store's chainer, so neither
// timing makes writers wait for each other.)
type LockTiming int

const (
	// LockAtCommit appends just before the transaction commits. This is
	// the default.
	LockAtCommit LockTiming = iota
	// LockAtRecord appends at once. Kept to measure the difference.
	LockAtRecord
)

// RecordEventHandler records audit events in the caller's unit of work.
// It implements auditlog.Recorder.
type RecordEventHandler struct {
	tx     Transactor
	repo   event.Repository
	keys   *event.Keys
	now    func() time.Time
	timing LockTiming
}

var _ auditlog.Recorder = (*RecordEventHandler)(nil)

// NewRecordEventHandler returns the handler; keys seal every event, now is
// the clock (time.Now in production).
func NewRecordEventHandler(tx Transactor, repo event.Repository, keys *event.Keys, now func() time.Time, timing LockTiming) *RecordEventHandler {
	return &RecordEventHandler{tx: tx, repo: repo, keys: keys, now: now, timing: timing}
}

// Record fills the event's id, time and request id when they are zero,
// strips sensitive keys from its snapshots and metadata, validates it,
// seals it with the signing key (its MAC) and appends it in the
// transaction of ctx: the event commits or rolls back with the change it
// describes, and is linked into the hash chain right after the commit.
// Invalid events are refused at once, before anything is written.
func (h *RecordEventHandler) Record(ctx context.Context, in auditlog.Event) error {
	e, err := h.build(ctx, in)
	if err != nil {
		return err
	}
	return h.tx.Do(ctx, func(ctx context.Context) error {
		if h.timing == LockAtRecord {
			return h.repo.Append(ctx, e)
		}
		return h.tx.BeforeCommit(ctx, func(ctx context.Context) error { return h.repo.Append(ctx, e) })
	})
}

// build fills the event's defaults and encodes its documents with their
// sensitive keys stripped (redact.Marshal); they are stored as encoded.
func (h *RecordEventHandler) build(ctx context.Context, in auditlog.Event) (*event.Event, error) {
	d := event.Draft{
		ID:         in.ID,
		OccurredAt: in.OccurredAt,
		Actor:      in.Actor,
		Action:     in.Action,
		EntityType: in.EntityType,
		EntityID:   in.EntityID,
		RequestID:  in.RequestID,
	}
	if d.ID == [16]byte{} {
		d.ID = id.New()
	}
	if d.OccurredAt.IsZero() {
		d.OccurredAt = h.now()
	}
	if d.RequestID == "" {
		d.RequestID = requestid.From(ctx)
	}
	var err error
	if d.Before, err = redact.Marshal(in.Before); err != nil {
		return nil, fmt.Errorf("audit %s: before: %w", in.Action, err)
	}
	if d.After, err = redact.Marshal(in.After); err != nil {
		return nil, fmt.Errorf("audit %s: after: %w", in.Action, err)
	}
	if len(in.Metadata) > 0 {
		if d.Metadata, err = redact.Marshal(in.Metadata); err != nil {
			return nil, fmt.Errorf("audit %s: metadata: %w", in.Action, err)
		}
	}
	e, err := event.New(d)
	if err != nil {
		return nil, fmt.Errorf("audit %s: %w", in.Action, err)
	}
	h.keys.Seal(e)
	return e, nil
}
