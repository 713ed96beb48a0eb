package command

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/attachment"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/etag"
)

// DeleteAttachment is the intent to delete an attachment the caller read
// at the version IfMatch names.
type DeleteAttachment struct {
	ActivityID uuid.UUID
	ID         uuid.UUID
	IfMatch    string
}

// DeleteAttachmentHandler handles DeleteAttachment.
type DeleteAttachmentHandler struct {
	deps    Deps
	journal journal
}

// NewDeleteAttachmentHandler returns a handler over deps.
func NewDeleteAttachmentHandler(deps Deps) DeleteAttachmentHandler {
	return DeleteAttachmentHandler{deps: deps, journal: journal{audit: deps.Audit, outbox: deps.Outbox}}
}

// Handle deletes the row, with its audit event and the attachment.deleted
// outbox event that makes the object cleanup delete the bytes once the
// unit of work has committed. It needs no object storage.
//
// Errors: the etag package's precondition errors, attachment.ErrNotFound,
// attachment.ErrVersionMismatch.
func (h DeleteAttachmentHandler) Handle(ctx context.Context, cmd DeleteAttachment) error {
	p, err := auth.Require(ctx, permission.ManageOwn)
	if err != nil {
		return err
	}
	match, err := etag.IfMatch(cmd.IfMatch)
	if err != nil {
		return err
	}
	return h.deps.UoW.Do(ctx, func(ctx context.Context) error {
		if err := h.deps.parent(ctx, p, cmd.ActivityID); err != nil {
			return err
		}
		var before *AttachmentSnapshot
		var deleted *attachment.Attachment
		err := h.deps.Attachments.Update(ctx, cmd.ActivityID, cmd.ID, func(a *attachment.Attachment) error {
			if err := a.ExpectVersion(match...); err != nil {
				return err
			}
			before, deleted = attachmentSnapshotOf(a), a
			a.Delete(attachment.ReasonDeleted, p.UserID, h.deps.now())
			return nil
		})
		if err != nil {
			return fmt.Errorf("delete attachment %s: %w", cmd.ID, err)
		}
		return h.journal.recordAttachment(ctx, p, before, deleted)
	})
}
