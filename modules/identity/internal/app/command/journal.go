package command

import (
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
)

// Snapshot is a user as written in audit events: never the password hash.
type Snapshot struct {
	ID            uuid.UUID `json:"id"`
	Email         *string   `json:"email"`
	DisplayName   *string   `json:"displayName"`
	Roles         []string  `json:"roles"`
	EmailVerified bool      `json:"emailVerified"`
	Active        bool      `json:"active"`
	UpdatedAt     time.Time `json:"updatedAt"`
	Version       int       `json:"version"`
}

func snapshotOf(u *user.User) *Snapshot {
	s := u.Snapshot()
	var email *string
	if s.Email != "" {
		email = &s.Email
	}
	return &Snapshot{
		ID: s.ID, Email: email, DisplayName: s.DisplayName, Roles: roleNames(s.Roles),
		EmailVerified: u.EmailVerified(), Active: u.Active(), UpdatedAt: s.UpdatedAt, Version: s.Version,
	}
}

// Outbox event types of the user aggregate, consumed by the mailer (and
// anyone else interested).
const (
	EventSignedUp               = "user.signed_up"
	EventPasswordResetRequested = "user.password_reset_requested"
)

// MailEvent is the payload of the events the mailer consumes. It carries
// no token: the mailer creates the one-time token when it sends the mail,
// so a raw token never rests in the outbox table or the stream.
type MailEvent struct {
	UserID      uuid.UUID `json:"userId"`
	Email       string    `json:"email"`
	DisplayName *string   `json:"displayName"`
}

// Audit actions of the identity context.
const (
	ActionSignedUp       = "user.signed_up"
	ActionSignUpRejected = "user.signup_rejected"
	ActionCreated        = "user.created"
	ActionProvisioned    = "user.provisioned"
	ActionEmailVerified  = "user.email_verified"
	ActionLoggedIn       = "user.logged_in"
	ActionLoginFailed    = "user.login_failed"
	ActionLockedOut      = "user.locked_out"
	ActionRefreshReused  = "user.refresh_token_reused"
	ActionLoggedOut      = "user.logged_out"
	ActionResetRequested = "user.password_reset_requested"
	ActionPasswordReset  = "user.password_reset"
	ActionRolesChanged   = "user.roles_changed"
	ActionDeactivated    = "user.deactivated"
	entityUser           = "user"
)
