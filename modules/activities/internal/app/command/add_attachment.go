package command

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/attachment"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/blob"
)

// AddAttachment is the intent to attach a file to an activity: its
// metadata now, its bytes uploaded by the client with the URL returned.
type AddAttachment struct {
	ActivityID  uuid.UUID
	Filename    string
	ContentType string
	Size        int64
}

// AddedAttachment is the pending attachment and the upload the client
// makes next.
type AddedAttachment struct {
	Attachment query.Attachment
	Upload     blob.Presigned
}

// AddAttachmentHandler handles AddAttachment.
type AddAttachmentHandler struct {
	deps    Deps
	journal journal
}

// NewAddAttachmentHandler returns a handler over deps.
func NewAddAttachmentHandler(deps Deps) AddAttachmentHandler {
	return AddAttachmentHandler{deps: deps, journal: journal{audit: deps.Audit, outbox: deps.Outbox}}
}

// Handle validates the metadata, checks the activity, signs the upload
// URL (before writing anything, so a service without object storage
// writes nothing and answers blob.ErrNotConfigured), then stores the pending attachment with
// its audit and outbox events in one unit of work, the activity locked
// against a concurrent deletion.
//
// Errors: *attachment.ValidationError (joined), attachment.ErrNotFound
// (unknown, deleted or invisible activity), blob errors.
func (h AddAttachmentHandler) Handle(ctx context.Context, cmd AddAttachment) (AddedAttachment, error) {
	p, err := auth.Require(ctx, permission.ManageOwn)
	if err != nil {
		return AddedAttachment{}, err
	}
	a, err := attachment.New(attachment.Draft{
		ID: h.deps.newID(), ActivityID: cmd.ActivityID, Filename: cmd.Filename, ContentType: cmd.ContentType,
		Size: cmd.Size, MaxBytes: h.deps.Limits.MaxBytes, By: p.UserID, At: h.deps.now(),
	})
	if err != nil {
		return AddedAttachment{}, err
	}
	// Visibility before signing, so that an unknown or invisible activity
	// is 404 whatever state object storage is in; the unit of work checks
	// it again under the lock.
	if err := h.deps.parent(ctx, p, cmd.ActivityID); err != nil {
		return AddedAttachment{}, err
	}
	s := a.State()
	upload, err := h.deps.Objects.PresignPut(ctx, a.ObjectKey(), s.Size, h.deps.Limits.URLTTL,
		blob.PutOptions{ContentType: s.ContentType, MaxBytes: h.deps.Limits.MaxBytes})
	if err != nil {
		return AddedAttachment{}, fmt.Errorf("presign upload: %w", err)
	}
	err = h.deps.UoW.Do(ctx, func(ctx context.Context) error {
		if err := h.deps.parent(ctx, p, cmd.ActivityID); err != nil {
			return err
		}
		if err := h.deps.Attachments.Add(ctx, a); err != nil {
			return fmt.Errorf("add attachment: %w", err)
		}
		return h.journal.recordAttachment(ctx, p, nil, a)
	})
	if err != nil {
		return AddedAttachment{}, err
	}
	return AddedAttachment{Attachment: query.AttachmentViewOf(s), Upload: upload}, nil
}
