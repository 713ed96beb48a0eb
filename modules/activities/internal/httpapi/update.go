package httpapi

import (
	"context"

	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
)

// ActivityPatch is the body of PATCH /v1/activities/{id}, a JSON merge
// patch: absent fields stay unchanged, description null clears it. title
// and status cannot be null (422). Any other field is rejected with 422.
type ActivityPatch struct {
	Title       *string        `json:"title,omitempty" doc:"1..200 characters after trimming; no control characters."`
	Description optionalString `json:"description,omitempty"`
	Status      *string        `json:"status,omitempty" enum:"planned,in_progress,done,cancelled" doc:"planned -> in_progress -> done; planned or in_progress -> cancelled."`
}

type updateInput struct {
	ID      string `path:"id" doc:"The activity's id."`
	IfMatch string `header:"If-Match" doc:"Required: the ETag of the version being changed."`
	Body    ActivityPatch
}

func (r *Routes) update(ctx context.Context, in *updateInput) (*activityOutput, error) {
	version, err := ifMatch(ctx, in.IfMatch)
	if err != nil {
		return nil, err
	}
	id := parseID(in.ID)
	_, err = r.app.Commands.UpdateActivity.Handle(ctx, command.UpdateActivity{
		ID: id, IfMatch: version, Title: in.Body.Title, Status: in.Body.Status,
		DescriptionSet: in.Body.Description.Set, Description: in.Body.Description.Value,
	})
	if err != nil {
		return nil, problem(err)
	}
	v, err := r.app.Queries.GetActivity.Handle(ctx, query.GetActivity{ID: id})
	if err != nil {
		return nil, problem(err)
	}
	return outputOf(v), nil
}
