package httpapi

import (
	"context"

	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
)

type deleteInput struct {
	ID      string `path:"id" doc:"The activity's id."`
	IfMatch string `header:"If-Match" doc:"Required: the ETag of the version being deleted."`
}

func (r *Routes) delete(ctx context.Context, in *deleteInput) (*struct{}, error) {
	err := r.app.Commands.DeleteActivity.Handle(ctx, command.DeleteActivity{ID: parseID(in.ID), IfMatch: in.IfMatch})
	return nil, problem(err)
}
