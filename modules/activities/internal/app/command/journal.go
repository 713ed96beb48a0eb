package command

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/outbox"
)

// Snapshot is an activity as written in audit events (before/after) and
// outbox payloads.
type Snapshot struct {
	ID          uuid.UUID  `json:"id"`
	Title       string     `json:"title"`
	Description *string    `json:"description"`
	Status      string     `json:"status"`
	OwnerID     uuid.UUID  `json:"ownerId"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	CreatedBy   uuid.UUID  `json:"createdBy"`
	UpdatedBy   uuid.UUID  `json:"updatedBy"`
	Version     int        `json:"version"`
	DeletedAt   *time.Time `json:"deletedAt,omitempty"`
}

// snapshotOf returns a's snapshot.
func snapshotOf(a *activity.Activity) *Snapshot {
	s := a.State()
	return &Snapshot{
		ID: s.ID, Title: s.Title, Description: s.Description, Status: s.Status.String(),
		OwnerID: s.OwnerID, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
		CreatedBy: s.CreatedBy, UpdatedBy: s.UpdatedBy, Version: s.Version, DeletedAt: s.DeletedAt,
	}
}

// EventPayload is the payload of every activity outbox event: the
// activity after the change, plus what the event adds.
type EventPayload struct {
	Activity *Snapshot `json:"activity"`
	// Fields lists the fields an activity.updated changed.
	Fields []string `json:"fields,omitempty"`
	// From and To are the statuses of an activity.status_changed.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// journal writes what happened to an activity, inside the caller's unit of
// work: one audit event with before/after snapshots, and one outbox event
// per domain event the aggregate recorded.
type journal struct {
	audit  auditlog.Recorder
	outbox outbox.Publisher
}

// record writes the audit and outbox events for a's recorded events.
// before is nil for a creation. It writes nothing when a recorded nothing.
func (j journal) record(ctx context.Context, p auth.Principal, before *Snapshot, a *activity.Activity) error {
	events := a.Events()
	if len(events) == 0 {
		return nil
	}
	after := snapshotOf(a)
	out := make([]outbox.Event, 0, len(events))
	changed := make([]string, 0, len(events))
	for _, e := range events {
		payload := EventPayload{Activity: after}
		switch e := e.(type) {
		case activity.Updated:
			payload.Fields = e.Fields
		case activity.StatusChanged:
			payload.From, payload.To = e.From.String(), e.To.String()
		}
		changed = append(changed, e.Name())
		out = append(out, outbox.Event{
			AggregateType: "activity", AggregateID: a.ID().String(), Type: e.Name(), Payload: payload,
		})
	}
	audit := auditlog.Event{
		Actor: p.Actor(), Action: auditAction(events[0]), EntityType: "activity", EntityID: a.ID().String(),
		After: after, Metadata: map[string]any{"events": changed},
	}
	// Assign only non-nil snapshots: a nil *Snapshot in an interface is
	// not a nil interface, and "no snapshot" must read as none.
	if before != nil {
		audit.Before = before
	}
	if audit.Action == "activity.deleted" {
		audit.After = nil
	}
	if err := j.audit.Record(ctx, audit); err != nil {
		return fmt.Errorf("record audit event: %w", err)
	}
	if err := j.outbox.Publish(ctx, out...); err != nil {
		return fmt.Errorf("publish events: %w", err)
	}
	return nil
}

// auditAction maps the first event of a change to the audited action:
// created, updated (title, description or status) or deleted.
func auditAction(first activity.Event) string {
	switch first.(type) {
	case activity.Created:
		return "activity.created"
	case activity.Deleted:
		return "activity.deleted"
	default:
		return "activity.updated"
	}
}
