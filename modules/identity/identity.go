// Package identity is the facade of the identity bounded context: the only
// package other modules and the app may import. The context owns accounts,
// passwords, roles, access and refresh tokens and the mails that verify
// addresses and reset passwords. Other modules never call it: they see the
// caller through the auth.Verifier it plugs into the platform, and record
// audit events through the platform's ports. Everything else is internal.
package identity

import (
	"context"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/app/command"
	"github.com/zebralabs/zebra/platform/auth"
)

// Accounts bootstraps users from commands (`zebra users create-admin`,
// `zebra seed`) rather than from HTTP.
type Accounts interface {
	// EnsureUser makes sure a user with email exists and holds at least
	// roles, and returns its id. It is idempotent: for an existing email it
	// keeps the password and display name and only grants missing roles; a
	// new user is created with its email verified.
	EnsureUser(ctx context.Context, email, password, displayName string, roles []auth.Role) (uuid.UUID, error)
}

// accounts implements Accounts with the application's EnsureUser command.
type accounts struct {
	ensure command.EnsureUserHandler
}

func (a accounts) EnsureUser(ctx context.Context, email, password, displayName string, roles []auth.Role) (uuid.UUID, error) {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return a.ensure.Handle(ctx, command.EnsureUser{Email: email, Password: password, DisplayName: displayName, Roles: names})
}
