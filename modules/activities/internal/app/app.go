// Package app is the activities context's application layer: the index of
// its use cases, split into commands (which change state and return the
// view they wrote, or nothing for a delete) and queries (which read
// views). Every handler checks the caller's permission once, first.
package app

import (
	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/platform/pagination"
)

// Application is every use case of the context.
type Application struct {
	Commands Commands
	Queries  Queries
}

// Commands are the write use cases.
type Commands struct {
	CreateActivity command.CreateActivityHandler
	UpdateActivity command.UpdateActivityHandler
	DeleteActivity command.DeleteActivityHandler
}

// Queries are the read use cases.
type Queries struct {
	GetActivity     query.GetActivityHandler
	ListActivities  query.ListActivitiesHandler
	CountActivities query.CountActivitiesHandler
}

// New assembles the application from its ports.
func New(deps command.Deps, read query.ReadModel, cursors *pagination.Codec) Application {
	return Application{
		Commands: Commands{
			CreateActivity: command.NewCreateActivityHandler(deps),
			UpdateActivity: command.NewUpdateActivityHandler(deps),
			DeleteActivity: command.NewDeleteActivityHandler(deps),
		},
		Queries: Queries{
			GetActivity:     query.NewGetActivityHandler(read),
			ListActivities:  query.NewListActivitiesHandler(read, cursors),
			CountActivities: query.NewCountActivitiesHandler(read),
		},
	}
}
