package query

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/attachment"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/blob"
)

// GetAttachment asks for one attachment of an activity and a URL to
// download it.
type GetAttachment struct {
	ActivityID uuid.UUID
	ID         uuid.UUID
}

// AttachmentDownload is an attachment with, once it is available, a
// presigned URL that downloads it under its filename.
type AttachmentDownload struct {
	Attachment
	// Download is nil while the attachment is pending.
	Download *blob.Presigned
}

// GetAttachmentHandler handles GetAttachment.
type GetAttachmentHandler struct {
	activities ReadModel
	read       AttachmentReadModel
	objects    Presigner
	ttl        time.Duration
}

// NewGetAttachmentHandler returns a handler whose download URLs live ttl.
func NewGetAttachmentHandler(activities ReadModel, read AttachmentReadModel, objects Presigner, ttl time.Duration) GetAttachmentHandler {
	return GetAttachmentHandler{activities: activities, read: read, objects: objects, ttl: ttl}
}

// Handle returns the attachment, or attachment.ErrNotFound when it or its
// activity does not exist or the caller may not see the activity. A
// download URL needs object storage: blob.ErrNotConfigured without it.
func (h GetAttachmentHandler) Handle(ctx context.Context, q GetAttachment) (AttachmentDownload, error) {
	p, err := auth.Require(ctx, permission.ManageOwn)
	if err != nil {
		return AttachmentDownload{}, err
	}
	if err := visibleActivity(ctx, h.activities, p, q.ActivityID); err != nil {
		return AttachmentDownload{}, err
	}
	v, err := h.read.Attachment(ctx, q.ActivityID, q.ID)
	if err != nil {
		return AttachmentDownload{}, err
	}
	out := AttachmentDownload{Attachment: v}
	if v.Status != string(attachment.StatusAvailable) {
		return out, nil
	}
	url, err := h.objects.PresignGet(ctx, attachment.ObjectKey(v.ActivityID, v.ID), h.ttl, blob.GetOptions{Filename: v.Filename})
	if err != nil {
		return AttachmentDownload{}, fmt.Errorf("presign download of attachment %s: %w", v.ID, err)
	}
	out.Download = &url
	return out, nil
}

// visibleActivity checks that p may see the activity (its owner, or an
// admin): attachment.ErrNotFound otherwise, as for an unknown one.
func visibleActivity(ctx context.Context, read ReadModel, p auth.Principal, id uuid.UUID) error {
	v, err := read.Activity(ctx, id)
	if errors.Is(err, activity.ErrNotFound) {
		return attachment.ErrNotFound
	}
	if err != nil {
		return err
	}
	if !visible(p, v) {
		return attachment.ErrNotFound
	}
	return nil
}
