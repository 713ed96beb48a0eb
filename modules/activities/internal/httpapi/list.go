package httpapi

import (
	"context"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/platform/pagination"
)

type listInput struct {
	pagination.Query
	Status  string `query:"status" enum:"planned,in_progress,done,cancelled" doc:"Only activities in this status."`
	OwnerID string `query:"ownerId" format:"uuid" doc:"Only this owner's activities (admins; a member sees only their own)."`
}

type listOutput struct {
	Body pagination.Page[Activity]
}

func (r *Routes) list(ctx context.Context, in *listInput) (*listOutput, error) {
	q := query.ListActivities{Limit: in.Limit, Cursor: in.Cursor, Status: in.Status}
	if in.OwnerID != "" {
		owner, err := uuid.Parse(in.OwnerID)
		if err != nil { // huma checks the format first; keep the guard
			owner = uuid.Nil
		}
		q.OwnerID = &owner
	}
	page, err := r.app.Queries.ListActivities.Handle(ctx, q)
	if err != nil {
		return nil, problem(err)
	}
	out := &listOutput{Body: pagination.Page[Activity]{Items: make([]Activity, len(page.Items)), NextCursor: page.NextCursor}}
	for i, v := range page.Items {
		out.Body.Items[i] = activityOf(v)
	}
	return out, nil
}
