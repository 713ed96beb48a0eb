// Package query holds the activities context's read use cases, one per
// file. Queries never load aggregates: they read views through a read
// model port, one SELECT per call and no transaction. Activity is also
// what the create and update commands answer with (ViewOf), so a response
// never reads back what its command just wrote.
package query

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
)

// Activity is the read view of an activity, what the API returns.
type Activity struct {
	ID          uuid.UUID
	Title       string
	Description *string
	Status      string
	OwnerID     uuid.UUID
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CreatedBy   uuid.UUID
	UpdatedBy   uuid.UUID
	Version     int
}

// ViewOf returns the view of an activity in state s, as the read model
// reads it back: times in UTC at the millisecond precision of the columns
// (timestamptz(3) rounds; timestamp.Now already stamps at that precision).
func ViewOf(s activity.State) Activity {
	return Activity{
		ID: s.ID, Title: s.Title, Description: s.Description, Status: s.Status.String(), OwnerID: s.OwnerID,
		CreatedAt: s.CreatedAt.Round(time.Millisecond).UTC(), UpdatedAt: s.UpdatedAt.Round(time.Millisecond).UTC(),
		CreatedBy: s.CreatedBy, UpdatedBy: s.UpdatedBy, Version: s.Version,
	}
}

// Filter selects a page of activities, newest first.
type Filter struct {
	// OwnerID restricts the list to one owner; nil lists everyone's.
	OwnerID *uuid.UUID
	// Status restricts the list to one status; empty lists all.
	Status string
	// Before continues after a previous page: only ids below it.
	Before *uuid.UUID
	// Limit is the number of rows to return.
	Limit int
}

// ReadModel reads activity views. Deleted activities do not exist for it.
type ReadModel interface {
	// Activity returns the view of id, or activity.ErrNotFound.
	Activity(ctx context.Context, id uuid.UUID) (Activity, error)
	// Activities returns up to f.Limit views matching f, newest first.
	Activities(ctx context.Context, f Filter) ([]Activity, error)
	// CountActivities counts the live activities of owner.
	CountActivities(ctx context.Context, owner uuid.UUID) (int, error)
}

// visible reports whether p may see v (see command.visible).
func visible(p auth.Principal, v Activity) bool {
	return v.OwnerID == p.UserID || p.Has(permission.ManageAll)
}
