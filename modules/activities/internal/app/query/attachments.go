package query

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/attachment"
	"github.com/zebralabs/zebra/platform/blob"
)

// Attachment is the read view of an attachment's metadata.
type Attachment struct {
	ID          uuid.UUID
	ActivityID  uuid.UUID
	Filename    string
	ContentType string
	Size        int64
	Status      string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CreatedBy   uuid.UUID
	UpdatedBy   uuid.UUID
	Version     int
}

// AttachmentViewOf returns the view of an attachment in state s, as the
// read model reads it back (UTC, milliseconds).
func AttachmentViewOf(s attachment.State) Attachment {
	return Attachment{
		ID: s.ID, ActivityID: s.ActivityID, Filename: s.Filename, ContentType: s.ContentType, Size: s.Size,
		Status: string(s.Status), CreatedAt: s.CreatedAt.Round(time.Millisecond).UTC(),
		UpdatedAt: s.UpdatedAt.Round(time.Millisecond).UTC(), CreatedBy: s.CreatedBy, UpdatedBy: s.UpdatedBy,
		Version: s.Version,
	}
}

// AttachmentFilter selects a page of one activity's attachments, newest
// first.
type AttachmentFilter struct {
	ActivityID uuid.UUID
	// Before continues after a previous page: only ids below it.
	Before *uuid.UUID
	Limit  int
}

// AttachmentReadModel reads attachment views.
type AttachmentReadModel interface {
	// Attachment returns attachment id of activity, or
	// attachment.ErrNotFound.
	Attachment(ctx context.Context, activity, id uuid.UUID) (Attachment, error)
	// Attachments returns up to f.Limit views, newest first.
	Attachments(ctx context.Context, f AttachmentFilter) ([]Attachment, error)
}

// Presigner signs download URLs (blob.Store does).
type Presigner interface {
	PresignGet(ctx context.Context, key string, expiry time.Duration, opts blob.GetOptions) (blob.Presigned, error)
}
