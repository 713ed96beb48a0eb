package command

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/attachment"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/etag"
)

// DeleteActivity is the intent to soft-delete an activity the caller read
// at the version IfMatch names.
type DeleteActivity struct {
	ID uuid.UUID
	// IfMatch is the If-Match header as the client sent it, parsed after
	// the permission check (see UpdateActivity.IfMatch).
	IfMatch string
}

// DeleteActivityHandler handles DeleteActivity.
type DeleteActivityHandler struct {
	deps    Deps
	journal journal
}

// NewDeleteActivityHandler returns a handler over deps.
func NewDeleteActivityHandler(deps Deps) DeleteActivityHandler {
	return DeleteActivityHandler{deps: deps, journal: journal{audit: deps.Audit, outbox: deps.Outbox}}
}

// Handle soft-deletes the activity and deletes its attachments.
//
// Errors: the etag package's precondition errors (If-Match missing or not
// one of our ETags), activity.ErrNotFound (unknown, already deleted or not
// visible), activity.ErrVersionMismatch (stale If-Match, or a concurrent
// change).
func (h DeleteActivityHandler) Handle(ctx context.Context, cmd DeleteActivity) error {
	p, err := auth.Require(ctx, permission.ManageOwn)
	if err != nil {
		return err
	}
	match, err := etag.IfMatch(cmd.IfMatch)
	if err != nil {
		return err
	}
	return h.deps.UoW.Do(ctx, func(ctx context.Context) error {
		var before *Snapshot
		var deleted *activity.Activity
		err := h.deps.Activities.Update(ctx, cmd.ID, func(a *activity.Activity) error {
			if !visible(p, a) {
				return activity.ErrNotFound
			}
			if err := a.ExpectVersion(match...); err != nil {
				return err
			}
			before, deleted = snapshotOf(a), a
			return a.Delete(p.UserID, h.deps.now())
		})
		if err != nil {
			return fmt.Errorf("delete activity %s: %w", cmd.ID, err)
		}
		if err := h.journal.record(ctx, p, before, deleted); err != nil {
			return err
		}
		return h.deleteAttachments(ctx, p, cmd.ID)
	})
}

// deleteAttachments deletes the activity's attachments in the same unit
// of work, each with its audit event and an attachment.deleted outbox
// event whose consumer deletes the object after the commit.
func (h DeleteActivityHandler) deleteAttachments(ctx context.Context, p auth.Principal, id uuid.UUID) error {
	gone, err := h.deps.Attachments.DeleteAll(ctx, id)
	if err != nil {
		return fmt.Errorf("delete the attachments of activity %s: %w", id, err)
	}
	for _, a := range gone {
		before := attachmentSnapshotOf(a)
		a.Delete(attachment.ReasonActivityDeleted, p.UserID, h.deps.now())
		if err := h.journal.recordAttachment(ctx, p, before, a); err != nil {
			return err
		}
	}
	return nil
}
