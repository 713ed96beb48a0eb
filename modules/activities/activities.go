// Package activities is the facade of the activities bounded context: the
// only package other modules and the app may import. Everything else is
// internal. Other contexts should not need it at all (they react to the
// activity.* events of the outbox instead); the app uses it to seed demo
// data.
package activities

import (
	"context"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/app"
	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
)

// Activities is what the app may do with activities, always as the
// principal carried by ctx (auth.WithPrincipal), through the same use
// cases, permission checks, audit and outbox events as the HTTP API.
type Activities interface {
	// Create creates an activity owned by the caller and returns its id.
	Create(ctx context.Context, a NewActivity) (uuid.UUID, error)
	// CountOwn counts the caller's live activities.
	CountOwn(ctx context.Context) (int, error)
}

// NewActivity describes an activity to create.
type NewActivity struct {
	Title string
	// Description is optional.
	Description *string
	// Status is planned, in_progress, done or cancelled; empty is planned.
	Status string
}

// service implements Activities over the application.
type service struct {
	app app.Application
}

var _ Activities = service{}

func (s service) Create(ctx context.Context, a NewActivity) (uuid.UUID, error) {
	v, err := s.app.Commands.CreateActivity.Handle(ctx, command.CreateActivity{
		Title: a.Title, Description: a.Description, Status: a.Status,
	})
	return v.ID, err
}

func (s service) CountOwn(ctx context.Context) (int, error) {
	return s.app.Queries.CountActivities.Handle(ctx, query.CountActivities{})
}
