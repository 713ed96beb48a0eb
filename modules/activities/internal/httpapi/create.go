package httpapi

import (
	"context"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/platform/etag"
	"github.com/zebralabs/zebra/platform/httpserver"
)

// NewActivity is the body of POST /v1/activities. Any other field (id,
// ownerId, version, createdBy, ...) is rejected with 422.
type NewActivity struct {
	Title       string  `json:"title" doc:"1..200 characters after trimming; no control characters."`
	Description *string `json:"description,omitempty" nullable:"true" maxLength:"5000" doc:"Up to 5000 characters, or null."`
	Status      string  `json:"status,omitempty" enum:"planned,in_progress,done,cancelled" doc:"Defaults to planned."`
}

// Resolve adds the domain's verdict on the fields to the schema's errors,
// so that one 422 names every invalid field; a body the schema accepts
// goes on to the command, which checks the permission first.
func (b *NewActivity) Resolve(ctx huma.Context) []error {
	return httpserver.AlongsideSchemaErrors(ctx, problem(activity.CheckFields(&b.Title, b.Description)))
}

type createInput struct {
	Body NewActivity
}

type createOutput struct {
	Location string `header:"Location" doc:"/v1/activities/{id}"`
	ETag     string `header:"ETag" doc:"The activity's version, quoted."`
	Body     Activity
}

func (r *Routes) create(ctx context.Context, in *createInput) (*createOutput, error) {
	v, err := r.app.Commands.CreateActivity.Handle(ctx, command.CreateActivity{
		Title: in.Body.Title, Description: in.Body.Description, Status: in.Body.Status,
	})
	if err != nil {
		return nil, problem(err)
	}
	return &createOutput{Location: "/v1/activities/" + v.ID.String(), ETag: etag.Format(v.Version), Body: activityOf(v)}, nil
}
