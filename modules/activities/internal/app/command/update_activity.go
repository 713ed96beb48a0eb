package command

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/etag"
)

// UpdateActivity is a partial update with JSON merge patch semantics: nil
// fields stay unchanged; DescriptionSet with a nil Description clears it.
type UpdateActivity struct {
	ID uuid.UUID
	// IfMatch is the If-Match header as the client sent it. The handler
	// parses it after the permission check, so a caller who may not change
	// activities hears 401 or 403, not 428 about a header it cannot use.
	IfMatch        string
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

// Handle applies the update and returns the activity as written, which is
// what the response shows (unchanged, at the same version, when the update
// changed nothing).
//
// Errors: the etag package's precondition errors (If-Match missing or not
// one of our ETags), activity.ErrNotFound (unknown, deleted or not
// visible), activity.ErrVersionMismatch (stale If-Match, or another writer
// won the race), *activity.ValidationError,
// *activity.InvalidTransitionError.
func (h UpdateActivityHandler) Handle(ctx context.Context, cmd UpdateActivity) (query.Activity, error) {
	p, err := auth.Require(ctx, permission.ManageOwn)
	if err != nil {
		return query.Activity{}, err
	}
	match, err := etag.IfMatch(cmd.IfMatch)
	if err != nil {
		return query.Activity{}, err
	}
	changes := activity.Changes{Title: cmd.Title, DescriptionSet: cmd.DescriptionSet, Description: cmd.Description}
	if cmd.Status != nil {
		st, err := activity.ParseStatus(*cmd.Status)
		if err != nil {
			return query.Activity{}, err
		}
		changes.Status = &st
	}
	var written query.Activity
	err = h.deps.UoW.Do(ctx, func(ctx context.Context) error {
		var before *Snapshot
		var changed *activity.Activity
		err := h.deps.Activities.Update(ctx, cmd.ID, func(a *activity.Activity) error {
			if !visible(p, a) {
				return activity.ErrNotFound
			}
			if err := a.ExpectVersion(match...); err != nil {
				return err
			}
			before, changed = snapshotOf(a), a
			return a.Change(changes, p.UserID, h.deps.now())
		})
		if err != nil {
			return fmt.Errorf("update activity %s: %w", cmd.ID, err)
		}
		written = query.ViewOf(changed.State())
		return h.journal.record(ctx, p, before, changed)
	})
	if err != nil {
		return query.Activity{}, err
	}
	return written, nil
}
