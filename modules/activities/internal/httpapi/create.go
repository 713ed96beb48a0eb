package httpapi

import (
	"context"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/platform/etag"
)

// NewActivity is the body of POST /v1/activities. Any other field (id,
// ownerId, version, createdBy, ...) is rejected with 422.
type NewActivity struct {
	Title       string  `json:"title" doc:"1..200 characters after trimming; no control characters."`
	Description *string `json:"description,omitempty" nullable:"true" maxLength:"5000" doc:"Up to 5000 characters, or null."`
	Status      string  `json:"status,omitempty" enum:"planned,in_progress,done,cancelled" doc:"Defaults to planned."`
}

// Resolve asks the domain which fields break its rules, after huma checked
// the schema and before the handler runs, so one 422 names them all.
func (b *NewActivity) Resolve(huma.Context) []error {
	return checked(activity.CheckFields(&b.Title, b.Description))
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
