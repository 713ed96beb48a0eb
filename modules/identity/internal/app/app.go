// Package app is the identity context's application layer: the index of
// its use cases, split into commands (which change state) and queries
// (which return views).
package app

import (
	"github.com/zebralabs/zebra/modules/identity/internal/app/command"
	"github.com/zebralabs/zebra/modules/identity/internal/app/query"
	"github.com/zebralabs/zebra/platform/pagination"
)

// Application is every use case of the context.
type Application struct {
	Commands Commands
	Queries  Queries
}

// Commands are the write use cases.
type Commands struct {
	SignUp               command.SignUpHandler
	Login                command.LoginHandler
	Refresh              command.RefreshHandler
	Logout               command.LogoutHandler
	VerifyEmail          command.VerifyEmailHandler
	RequestPasswordReset command.RequestPasswordResetHandler
	ConfirmPasswordReset command.ConfirmPasswordResetHandler
	ChangeRoles          command.ChangeRolesHandler
	DeactivateUser       command.DeactivateUserHandler
	EnsureUser           command.EnsureUserHandler
	ProvisionExternal    command.ProvisionExternalHandler
	IssueMailToken       command.IssueMailTokenHandler
}

// Queries are the read use cases.
type Queries struct {
	GetUser   query.GetUserHandler
	ListUsers query.ListUsersHandler
}

// New assembles the application from its ports.
func New(deps command.Deps, read query.ReadModel, cursors *pagination.Codec) Application {
	return Application{
		Commands: Commands{
			SignUp:               command.NewSignUpHandler(deps),
			Login:                command.NewLoginHandler(deps),
			Refresh:              command.NewRefreshHandler(deps),
			Logout:               command.NewLogoutHandler(deps),
			VerifyEmail:          command.NewVerifyEmailHandler(deps),
			RequestPasswordReset: command.NewRequestPasswordResetHandler(deps),
			ConfirmPasswordReset: command.NewConfirmPasswordResetHandler(deps),
			ChangeRoles:          command.NewChangeRolesHandler(deps),
			DeactivateUser:       command.NewDeactivateUserHandler(deps),
			EnsureUser:           command.NewEnsureUserHandler(deps),
			ProvisionExternal:    command.NewProvisionExternalHandler(deps),
			IssueMailToken:       command.NewIssueMailTokenHandler(deps),
		},
		Queries: Queries{
			GetUser:   query.NewGetUserHandler(read),
			ListUsers: query.NewListUsersHandler(read, cursors),
		},
	}
}
