package query

import (
	"context"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
)

// GetActivity asks for one activity.
type GetActivity struct {
	ID uuid.UUID
}

// GetActivityHandler handles GetActivity.
type GetActivityHandler struct {
	read ReadModel
}

// NewGetActivityHandler returns a handler reading from read.
func NewGetActivityHandler(read ReadModel) GetActivityHandler {
	return GetActivityHandler{read: read}
}

// Handle returns the activity, or activity.ErrNotFound when it does not
// exist, was deleted, or belongs to someone else and the caller may not
// manage every user's activities.
func (h GetActivityHandler) Handle(ctx context.Context, q GetActivity) (Activity, error) {
	p, err := auth.Require(ctx, permission.ManageOwn)
	if err != nil {
		return Activity{}, err
	}
	v, err := h.read.Activity(ctx, q.ID)
	if err != nil {
		return Activity{}, err
	}
	if !visible(p, v) {
		return Activity{}, activity.ErrNotFound
	}
	return v, nil
}
