package query

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/pagination"
)

// ListAttachments asks for one page of an activity's attachments, newest
// first.
type ListAttachments struct {
	ActivityID uuid.UUID
	Limit      int
	Cursor     string
}

// ListAttachmentsHandler handles ListAttachments.
type ListAttachmentsHandler struct {
	activities ReadModel
	read       AttachmentReadModel
	cursors    *pagination.Codec
}

// NewListAttachmentsHandler returns the handler.
func NewListAttachmentsHandler(activities ReadModel, read AttachmentReadModel, cursors *pagination.Codec) ListAttachmentsHandler {
	return ListAttachmentsHandler{activities: activities, read: read, cursors: cursors}
}

// Handle returns the page; attachment.ErrNotFound when the caller may not
// see the activity. It works without object storage: metadata only.
func (h ListAttachmentsHandler) Handle(ctx context.Context, q ListAttachments) (pagination.Page[Attachment], error) {
	p, err := auth.Require(ctx, permission.ManageOwn)
	if err != nil {
		return pagination.Page[Attachment]{}, err
	}
	limit, err := pagination.Limit(q.Limit)
	if err != nil {
		return pagination.Page[Attachment]{}, err
	}
	if err := visibleActivity(ctx, h.activities, p, q.ActivityID); err != nil {
		return pagination.Page[Attachment]{}, err
	}
	list := pagination.Name("attachments", "caller", p.UserID.String(), "activity", q.ActivityID.String())
	f := AttachmentFilter{ActivityID: q.ActivityID, Limit: limit + 1}
	if f.Before, err = h.cursors.AfterID(list, q.Cursor); err != nil {
		return pagination.Page[Attachment]{}, err
	}
	rows, err := h.read.Attachments(ctx, f)
	if err != nil {
		return pagination.Page[Attachment]{}, fmt.Errorf("list attachments: %w", err)
	}
	return pagination.ByID(h.cursors, list, rows, limit, func(v Attachment) uuid.UUID { return v.ID }), nil
}
