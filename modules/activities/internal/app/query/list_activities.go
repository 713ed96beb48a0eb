package query

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/pagination"
)

// ListActivities asks for one page of activities, newest first.
type ListActivities struct {
	Limit  int
	Cursor string
	// Status filters by status; empty means every status.
	Status string
	// OwnerID filters by owner. Admins may name anyone; for a member only
	// their own id can match anything.
	OwnerID *uuid.UUID
}

// ListActivitiesHandler handles ListActivities.
type ListActivitiesHandler struct {
	read    ReadModel
	cursors *pagination.Codec
}

// NewListActivitiesHandler returns a handler reading from read and signing
// cursors with cursors.
func NewListActivitiesHandler(read ReadModel, cursors *pagination.Codec) ListActivitiesHandler {
	return ListActivitiesHandler{read: read, cursors: cursors}
}

// Handle returns the page. Members only ever see their own activities:
// asking for another owner's gives an empty page, not an error, so the
// answer says nothing about whether that user has any.
func (h ListActivitiesHandler) Handle(ctx context.Context, q ListActivities) (pagination.Page[Activity], error) {
	p, err := auth.Require(ctx, permission.ManageOwn)
	if err != nil {
		return pagination.Page[Activity]{}, err
	}
	limit, err := pagination.Limit(q.Limit)
	if err != nil {
		return pagination.Page[Activity]{}, err
	}
	if q.Status != "" {
		if _, err := activity.ParseStatus(q.Status); err != nil {
			return pagination.Page[Activity]{}, err
		}
	}
	f := Filter{OwnerID: q.OwnerID, Status: q.Status, Limit: limit + 1}
	if !p.Has(permission.ManageAll) {
		if q.OwnerID != nil && *q.OwnerID != p.UserID {
			return pagination.Page[Activity]{Items: []Activity{}}, nil
		}
		f.OwnerID = &p.UserID
	}
	list := listName(p, f)
	if f.Before, err = h.cursors.AfterID(list, q.Cursor); err != nil {
		return pagination.Page[Activity]{}, err
	}
	rows, err := h.read.Activities(ctx, f)
	if err != nil {
		return pagination.Page[Activity]{}, fmt.Errorf("list activities: %w", err)
	}
	return pagination.ByID(h.cursors, list, rows, limit, func(v Activity) uuid.UUID { return v.ID }), nil
}

// listName binds a cursor to the caller and every filter that shapes the
// list, so it cannot be replayed against another list.
func listName(p auth.Principal, f Filter) string {
	owner := "*"
	if f.OwnerID != nil {
		owner = f.OwnerID.String()
	}
	return pagination.Name("activities", "caller", p.UserID.String(), "owner", owner, "status", f.Status)
}
