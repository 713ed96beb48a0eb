package httpapi

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/platform/etag"
)

type getInput struct {
	ID          string `path:"id" doc:"The activity's id."`
	IfNoneMatch string `header:"If-None-Match" doc:"An ETag from an earlier response: 304 when still current."`
}

type getOutput struct {
	Status int
	ETag   string `header:"ETag" doc:"The activity's version, quoted."`
	Body   *Activity
}

func (r *Routes) get(ctx context.Context, in *getInput) (*getOutput, error) {
	v, err := r.app.Queries.GetActivity.Handle(ctx, query.GetActivity{ID: parseID(in.ID)})
	if err != nil {
		return nil, problem(err)
	}
	out := &getOutput{ETag: etag.Format(v.Version)}
	if in.IfNoneMatch != "" && etag.NoneMatch(in.IfNoneMatch, v.Version) {
		out.Status = http.StatusNotModified
		return out, nil
	}
	body := activityOf(v)
	out.Body = &body
	return out, nil
}

// parseID returns the id of a path, or uuid.Nil, which matches no
// activity: a malformed id is simply not found, after the permission
// check, like any unknown id.
func parseID(s string) uuid.UUID {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil
	}
	return id
}
