package query

import (
	"context"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/audit/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/pagination"
)

// Filter narrows the list; empty fields do not filter.
type Filter struct {
	EntityType string
	EntityID   string
	Actor      string
	Action     string
}

// list names the list and its filters, so a cursor issued for one filter
// set is invalid_cursor on any other.
func (f Filter) list() string {
	return pagination.Name("audit-events", "entityType", f.EntityType, "entityId", f.EntityID, "actor", f.Actor, "action", f.Action)
}

// EventReader is the read model of the list.
type EventReader interface {
	// List returns up to limit events matching f, newest first, with ids
	// below before when it is not nil.
	List(ctx context.Context, f Filter, before *uuid.UUID, limit int) ([]EventView, error)
}

// ListEvents asks for one page of events.
type ListEvents struct {
	Filter Filter
	Limit  int
	Cursor string
}

// ListEventsHandler pages through the log, newest first, by keyset.
type ListEventsHandler struct {
	reader EventReader
	codec  *pagination.Codec
}

// NewListEventsHandler returns the handler.
func NewListEventsHandler(reader EventReader, codec *pagination.Codec) *ListEventsHandler {
	return &ListEventsHandler{reader: reader, codec: codec}
}

// Handle requires permission.Read and returns the page after q.Cursor.
func (h *ListEventsHandler) Handle(ctx context.Context, q ListEvents) (pagination.Page[EventView], error) {
	if _, err := auth.Require(ctx, permission.Read); err != nil {
		return pagination.Page[EventView]{}, err
	}
	limit, err := pagination.Limit(q.Limit)
	if err != nil {
		return pagination.Page[EventView]{}, err
	}
	list := q.Filter.list()
	before, err := h.codec.AfterID(list, q.Cursor)
	if err != nil {
		return pagination.Page[EventView]{}, err
	}
	rows, err := h.reader.List(ctx, q.Filter, before, limit+1)
	if err != nil {
		return pagination.Page[EventView]{}, err
	}
	return pagination.ByID(h.codec, list, rows, limit, func(v EventView) uuid.UUID { return v.ID }), nil
}
