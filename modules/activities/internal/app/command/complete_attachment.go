package command

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/attachment"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/blob"
)

// CompleteAttachment is the client saying that it has uploaded the bytes
// of a pending attachment.
type CompleteAttachment struct {
	ActivityID uuid.UUID
	ID         uuid.UUID
}

// CompleteAttachmentHandler handles CompleteAttachment.
type CompleteAttachmentHandler struct {
	deps    Deps
	journal journal
}

// NewCompleteAttachmentHandler returns a handler over deps.
func NewCompleteAttachmentHandler(deps Deps) CompleteAttachmentHandler {
	return CompleteAttachmentHandler{deps: deps, journal: journal{audit: deps.Audit, outbox: deps.Outbox}}
}

// Handle reads the stored object's size and type (outside the unit of
// work: no transaction waits on object storage) and makes the attachment
// available when they are the ones declared. The signed upload already
// refuses another size or type; this check is what the service itself
// vouches for. Completing an available attachment returns it unchanged.
//
// Errors: attachment.ErrNotFound, attachment.ErrUploadMissing,
// *attachment.UploadMismatchError, attachment.ErrVersionMismatch (a
// concurrent change), blob errors.
func (h CompleteAttachmentHandler) Handle(ctx context.Context, cmd CompleteAttachment) (query.Attachment, error) {
	p, err := auth.Require(ctx, permission.ManageOwn)
	if err != nil {
		return query.Attachment{}, err
	}
	// Visibility first, so that a caller who may not see the activity
	// hears 404 whatever state object storage is in; the unit of work
	// checks it again under the lock.
	if err := h.deps.parent(ctx, p, cmd.ActivityID); err != nil {
		return query.Attachment{}, err
	}
	var stored *attachment.Stored
	info, err := h.deps.Objects.Stat(ctx, attachment.ObjectKey(cmd.ActivityID, cmd.ID))
	switch {
	case err == nil:
		stored = &attachment.Stored{Size: info.Size, ContentType: info.ContentType}
	case !errors.Is(err, blob.ErrNotFound):
		return query.Attachment{}, fmt.Errorf("stat upload: %w", err)
	}
	var view query.Attachment
	err = h.deps.UoW.Do(ctx, func(ctx context.Context) error {
		if err := h.deps.parent(ctx, p, cmd.ActivityID); err != nil {
			return err
		}
		var before *AttachmentSnapshot
		var changed *attachment.Attachment
		err := h.deps.Attachments.Update(ctx, cmd.ActivityID, cmd.ID, func(a *attachment.Attachment) error {
			before, changed = attachmentSnapshotOf(a), a
			if a.State().Status == attachment.StatusAvailable {
				return nil
			}
			if stored == nil {
				return attachment.ErrUploadMissing
			}
			return a.Complete(*stored, p.UserID, h.deps.now())
		})
		if err != nil {
			return fmt.Errorf("complete attachment %s: %w", cmd.ID, err)
		}
		view = query.AttachmentViewOf(changed.State())
		return h.journal.recordAttachment(ctx, p, before, changed)
	})
	if err != nil {
		return query.Attachment{}, err
	}
	return view, nil
}
