package query

import (
	"context"

	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
)

// CountActivities asks how many live activities the caller owns.
type CountActivities struct{}

// CountActivitiesHandler handles CountActivities.
type CountActivitiesHandler struct {
	read ReadModel
}

// NewCountActivitiesHandler returns a handler reading from read.
func NewCountActivitiesHandler(read ReadModel) CountActivitiesHandler {
	return CountActivitiesHandler{read: read}
}

// Handle returns the number of the caller's live activities.
func (h CountActivitiesHandler) Handle(ctx context.Context, _ CountActivities) (int, error) {
	p, err := auth.Require(ctx, permission.ManageOwn)
	if err != nil {
		return 0, err
	}
	return h.read.CountActivities(ctx, p.UserID)
}
