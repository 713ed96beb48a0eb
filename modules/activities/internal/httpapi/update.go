package httpapi

import (
	"context"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/platform/httpserver"
)

// ActivityPatch is the body of PATCH /v1/activities/{id}, a JSON merge
// patch: absent fields stay unchanged, description null clears it. title
// and status cannot be null: their schemas are not nullable, so the
// platform answers 422 before the handler runs. Any other field is
// rejected with 422.
type ActivityPatch struct {
	Title       titlePatch       `json:"title,omitempty"`
	Description descriptionPatch `json:"description,omitempty"`
	Status      statusPatch      `json:"status,omitempty"`
}

// Resolve adds the domain's verdict on the present fields to the schema's
// errors, like NewActivity.Resolve.
func (p *ActivityPatch) Resolve(ctx huma.Context) []error {
	var description *string
	if p.Description.Set {
		description = p.Description.Value
	}
	return httpserver.AlongsideSchemaErrors(ctx, problem(activity.CheckFields(p.Title.Value, description)))
}

type updateInput struct {
	ID      string `path:"id" doc:"The activity's id."`
	IfMatch string `header:"If-Match" doc:"Required: the ETag of the version being changed."`
	Body    ActivityPatch
}

func (r *Routes) update(ctx context.Context, in *updateInput) (*activityOutput, error) {
	v, err := r.app.Commands.UpdateActivity.Handle(ctx, command.UpdateActivity{
		ID: parseID(in.ID), IfMatch: in.IfMatch, Title: in.Body.Title.Value, Status: in.Body.Status.Value,
		DescriptionSet: in.Body.Description.Set, Description: in.Body.Description.Value,
	})
	if err != nil {
		return nil, problem(err)
	}
	return outputOf(v), nil
}
