package command

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/attachment"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/blob"
	"github.com/zebralabs/zebra/platform/outbox"
)

// Objects is what the attachment commands need of object storage
// (blob.Store provides it).
type Objects interface {
	PresignPut(ctx context.Context, key string, size int64, expiry time.Duration, opts blob.PutOptions) (blob.Presigned, error)
	Stat(ctx context.Context, key string) (blob.Info, error)
}

// Limits are the attachments' settings (ATTACHMENT_MAX_BYTES,
// ATTACHMENT_URL_TTL).
type Limits struct {
	// MaxBytes is the largest attachment accepted.
	MaxBytes int64
	// URLTTL is how long an upload or download URL works.
	URLTTL time.Duration
}

// AttachmentSnapshot is an attachment as written in audit events and
// outbox payloads. ObjectKey says where the bytes are: the consumer that
// deletes objects reads it from attachment.deleted.
type AttachmentSnapshot struct {
	ID          uuid.UUID `json:"id"`
	ActivityID  uuid.UUID `json:"activityId"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	Status      string    `json:"status"`
	ObjectKey   string    `json:"objectKey"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	CreatedBy   uuid.UUID `json:"createdBy"`
	UpdatedBy   uuid.UUID `json:"updatedBy"`
	Version     int       `json:"version"`
}

func attachmentSnapshotOf(a *attachment.Attachment) *AttachmentSnapshot {
	s := a.State()
	return &AttachmentSnapshot{
		ID: s.ID, ActivityID: s.ActivityID, Filename: s.Filename, ContentType: s.ContentType, Size: s.Size,
		Status: string(s.Status), ObjectKey: a.ObjectKey(), CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
		CreatedBy: s.CreatedBy, UpdatedBy: s.UpdatedBy, Version: s.Version,
	}
}

// AttachmentEventPayload is the payload of every attachment.* outbox
// event.
type AttachmentEventPayload struct {
	Attachment *AttachmentSnapshot `json:"attachment"`
	// Reason says why an attachment.deleted happened: deleted or
	// activity_deleted.
	Reason string `json:"reason,omitempty"`
}

// The outbox aggregate type of attachments: their events go to their own
// stream, which the object cleanup consumes.
const attachmentAggregate = "attachment"

// recordAttachment writes one audit event and one outbox event per event
// that a recorded, inside the unit of work of ctx; nothing when it
// recorded none.
func (j journal) recordAttachment(ctx context.Context, p auth.Principal, before *AttachmentSnapshot, a *attachment.Attachment) error {
	events := a.Events()
	if len(events) == 0 {
		return nil
	}
	after := attachmentSnapshotOf(a)
	out := make([]outbox.Event, 0, len(events))
	names := make([]string, 0, len(events))
	for _, e := range events {
		payload := AttachmentEventPayload{Attachment: after}
		if d, ok := e.(attachment.Deleted); ok {
			payload.Reason = string(d.Reason)
		}
		names = append(names, e.Name())
		out = append(out, outbox.Event{
			AggregateType: attachmentAggregate, AggregateID: a.ID().String(), Type: e.Name(), Payload: payload,
		})
	}
	audit := auditlog.Event{
		Actor: p.Actor(), Action: events[0].Name(), EntityType: attachmentAggregate, EntityID: a.ID().String(),
		After: after, Metadata: map[string]any{"events": names, "activityId": a.ActivityID().String()},
	}
	if before != nil {
		audit.Before = before
	}
	if a.Deleted() {
		audit.After = nil
		audit.Metadata["reason"] = out[len(out)-1].Payload.(AttachmentEventPayload).Reason
	}
	if err := j.audit.Record(ctx, audit); err != nil {
		return fmt.Errorf("record audit event: %w", err)
	}
	if err := j.outbox.Publish(ctx, out...); err != nil {
		return fmt.Errorf("publish events: %w", err)
	}
	return nil
}

// parent locks the activity of an attachment command and checks that p
// may see it: attachment.ErrNotFound otherwise.
func (d Deps) parent(ctx context.Context, p auth.Principal, activityID uuid.UUID) error {
	parent, err := d.Attachments.LockParent(ctx, activityID)
	if err != nil {
		return err
	}
	if parent.OwnerID != p.UserID && !p.Has(permission.ManageAll) {
		return attachment.ErrNotFound
	}
	return nil
}
