package command

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/platform/auth"
)

// UpdateActivity is a partial update with JSON merge patch semantics: nil
// fields stay unchanged; DescriptionSet with a nil Description clears it.
type UpdateActivity struct {
	ID uuid.UUID
	// IfMatch is the version the caller read (If-Match).
	IfMatch        int
	Title          *string
	DescriptionSet bool
	Description    *string
	Status         *string
}

// UpdateActivityHandler handles UpdateActivity.
type UpdateActivityHandler struct {
	deps    Deps
	journal journal
}

// NewUpdateActivityHandler returns a handler over deps.
func NewUpdateActivityHandler(deps Deps) UpdateActivityHandler {
	return UpdateActivityHandler{deps: deps, journal: journal{audit: deps.Audit, outbox: deps.Outbox}}
}

// Handle applies the update and returns the activity's new version (the
// same version when nothing changed).
//
// Errors: activity.ErrNotFound (unknown, deleted or not visible),
// activity.ErrVersionMismatch (stale If-Match, or another writer won the
// race), *activity.ValidationError, *activity.InvalidTransitionError.
func (h UpdateActivityHandler) Handle(ctx context.Context, cmd UpdateActivity) (int, error) {
	p, err := auth.Require(ctx, auth.ManageOwnActivities)
	if err != nil {
		return 0, err
	}
	changes := activity.Changes{Title: cmd.Title, DescriptionSet: cmd.DescriptionSet, Description: cmd.Description}
	if cmd.Status != nil {
		st, err := activity.ParseStatus(*cmd.Status)
		if err != nil {
			return 0, err
		}
		changes.Status = &st
	}
	var version int
	err = h.deps.UoW.Do(ctx, func(ctx context.Context) error {
		var before *Snapshot
		var changed *activity.Activity
		err := h.deps.Activities.Update(ctx, cmd.ID, func(a *activity.Activity) error {
			if !visible(p, a) {
				return activity.ErrNotFound
			}
			if err := a.ExpectVersion(cmd.IfMatch); err != nil {
				return err
			}
			before, changed = snapshotOf(a), a
			return a.Change(changes, p.UserID, h.deps.now())
		})
		if err != nil {
			return fmt.Errorf("update activity %s: %w", cmd.ID, err)
		}
		version = changed.Version()
		return h.journal.record(ctx, p, before, changed)
	})
	return version, err
}
