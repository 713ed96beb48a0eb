package command

import (
	"context"
	"fmt"

	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
)

// CreateActivity is the intent to start a new activity owned by the caller.
type CreateActivity struct {
	Title       string
	Description *string
	// Status is optional; empty means planned.
	Status string
}

// CreateActivityHandler handles CreateActivity.
type CreateActivityHandler struct {
	deps    Deps
	journal journal
}

// NewCreateActivityHandler returns a handler over deps.
func NewCreateActivityHandler(deps Deps) CreateActivityHandler {
	return CreateActivityHandler{deps: deps, journal: journal{audit: deps.Audit, outbox: deps.Outbox}}
}

// Handle creates the activity and returns it as written, which is what
// the response shows. The caller needs the permission to manage its own
// activities; the owner is always the caller.
func (h CreateActivityHandler) Handle(ctx context.Context, cmd CreateActivity) (query.Activity, error) {
	p, err := auth.Require(ctx, permission.ManageOwn)
	if err != nil {
		return query.Activity{}, err
	}
	var status activity.Status
	if cmd.Status != "" {
		if status, err = activity.ParseStatus(cmd.Status); err != nil {
			return query.Activity{}, err
		}
	}
	a, err := activity.New(activity.Draft{
		ID: h.deps.newID(), OwnerID: p.UserID, Title: cmd.Title, Description: cmd.Description,
		Status: status, At: h.deps.now(),
	})
	if err != nil {
		return query.Activity{}, err
	}
	err = h.deps.UoW.Do(ctx, func(ctx context.Context) error {
		if err := h.deps.Activities.Add(ctx, a); err != nil {
			return fmt.Errorf("add activity: %w", err)
		}
		return h.journal.record(ctx, p, nil, a)
	})
	if err != nil {
		return query.Activity{}, err
	}
	return query.ViewOf(a.State()), nil
}
