// Package command holds the activities context's write use cases, one per
// file: the intent type and its handler. Each handler checks the caller's
// permission (the only check of the request), runs in one unit of work,
// writes the change, its audit event and its outbox events together, and
// returns what the response shows, so nothing is read back after a write.
package command

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/attachment"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/id"
	"github.com/zebralabs/zebra/platform/outbox"
	"github.com/zebralabs/zebra/platform/timestamp"
)

// UnitOfWork runs fn in one transaction carried by ctx. The platform's
// *database.UnitOfWork satisfies it; tests use a fake.
type UnitOfWork interface {
	Do(ctx context.Context, fn func(ctx context.Context) error) error
}

// Deps are what every command handler needs.
type Deps struct {
	UoW         UnitOfWork
	Activities  activity.Repository
	Attachments attachment.Repository
	// Objects is object storage (blob.Store): the attachments' bytes.
	Objects Objects
	// Limits bound attachments.
	Limits Limits
	Audit  auditlog.Recorder
	Outbox outbox.Publisher
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// NewID returns a fresh time-ordered id; nil means id.New (UUIDv7).
	NewID func() uuid.UUID
}

func (d Deps) now() time.Time { return timestamp.Now(d.Now) }

func (d Deps) newID() uuid.UUID {
	if d.NewID != nil {
		return d.NewID()
	}
	return id.New()
}

// visible reports whether p may see and change a: its owner, or anyone who
// may manage every user's activities. Callers answer ErrNotFound otherwise,
// so a member cannot learn that another member's activity exists.
func visible(p auth.Principal, a *activity.Activity) bool {
	return a.OwnedBy(p.UserID) || p.Has(permission.ManageAll)
}
