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

	AddAttachment      command.AddAttachmentHandler
	CompleteAttachment command.CompleteAttachmentHandler
	DeleteAttachment   command.DeleteAttachmentHandler
}

// Queries are the read use cases.
type Queries struct {
	GetActivity     query.GetActivityHandler
	ListActivities  query.ListActivitiesHandler
	CountActivities query.CountActivitiesHandler

	GetAttachment   query.GetAttachmentHandler
	ListAttachments query.ListAttachmentsHandler
}

// Reads are the query side's ports.
type Reads struct {
	Activities  query.ReadModel
	Attachments query.AttachmentReadModel
	// Downloads signs the attachments' download URLs.
	Downloads query.Presigner
}

// New assembles the application from its ports.
func New(deps command.Deps, reads Reads, cursors *pagination.Codec) Application {
	read := reads.Activities
	return Application{
		Commands: Commands{
			CreateActivity: command.NewCreateActivityHandler(deps),
			UpdateActivity: command.NewUpdateActivityHandler(deps),
			DeleteActivity: command.NewDeleteActivityHandler(deps),

			AddAttachment:      command.NewAddAttachmentHandler(deps),
			CompleteAttachment: command.NewCompleteAttachmentHandler(deps),
			DeleteAttachment:   command.NewDeleteAttachmentHandler(deps),
		},
		Queries: Queries{
			GetActivity:     query.NewGetActivityHandler(read),
			ListActivities:  query.NewListActivitiesHandler(read, cursors),
			CountActivities: query.NewCountActivitiesHandler(read),

			GetAttachment:   query.NewGetAttachmentHandler(read, reads.Attachments, reads.Downloads, deps.Limits.URLTTL),
			ListAttachments: query.NewListAttachmentsHandler(read, reads.Attachments, cursors),
		},
	}
}
