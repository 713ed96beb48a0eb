package command

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/outbox"
)

// SignUp registers a member with a password.
type SignUp struct {
	Email       string
	Password    string
	DisplayName string
	// IP is the client's address, for the audit trail.
	IP string
}

// SignUpHandler creates the account, audits it and publishes
// user.signed_up, from which the mailer sends the verification mail.
type SignUpHandler struct{ d Deps }

// NewSignUpHandler returns the handler.
func NewSignUpHandler(d Deps) SignUpHandler { return SignUpHandler{d: d} }

// Handle returns the new user's id.
func (h SignUpHandler) Handle(ctx context.Context, cmd SignUp) (uuid.UUID, error) {
	email, err := cmd.validate()
	if err != nil {
		return uuid.Nil, err
	}
	// Hash before the transaction: argon2id takes tens of milliseconds and
	// must not hold a connection.
	hash, err := h.d.Hasher.Hash(cmd.Password)
	if err != nil {
		return uuid.Nil, err
	}
	id := h.d.newID()
	u, err := user.New(user.NewParams{
		ID: id, Email: email, DisplayName: cmd.DisplayName, PasswordHash: hash,
		Roles: []user.Role{user.RoleMember}, Now: h.d.now(),
	})
	if err != nil {
		return uuid.Nil, translate(err)
	}
	err = h.d.UoW.Do(ctx, func(ctx context.Context) error {
		if err := h.d.Users.Add(ctx, u); err != nil {
			return err
		}
		snap := snapshotOf(u)
		if err := h.d.Audit.Record(ctx, auditlog.Event{
			Actor: id.String(), Action: ActionSignedUp, EntityType: entityUser, EntityID: id.String(),
			After: snap, Metadata: map[string]any{"ip": cmd.IP},
		}); err != nil {
			return err
		}
		return h.d.Outbox.Publish(ctx, outbox.Event{
			AggregateType: entityUser, AggregateID: id.String(), Type: EventSignedUp,
			Payload: MailEvent{UserID: id, Email: email.String(), DisplayName: snap.DisplayName},
		})
	})
	if errors.Is(err, user.ErrEmailTaken) {
		// The transaction rolled back; the rejection is audited on its own.
		_ = h.d.Audit.Record(ctx, auditlog.Event{
			Actor: auditlog.SystemActor, Action: ActionSignUpRejected, EntityType: entityUser,
			Metadata: map[string]any{"email": email.String(), "reason": "email_taken", "ip": cmd.IP},
		})
	}
	if err != nil {
		return uuid.Nil, translate(err)
	}
	return id, nil
}

// Validate reports every invalid field at once, as a validation_failed
// *apperr.Error; the HTTP adapter asks before the handler runs, so the
// answer names these together with the schema's errors.
func (cmd SignUp) Validate() error {
	_, err := cmd.validate()
	return err
}

func (cmd SignUp) validate() (user.Email, error) {
	var fields []apperr.FieldError
	email, err := user.ParseEmail(cmd.Email)
	if err != nil {
		fields = append(fields, apperr.FieldError{Field: "email", Message: err.Error()})
	}
	if err := user.ValidatePassword(cmd.Password); err != nil {
		fields = append(fields, apperr.FieldError{Field: "password", Message: err.Error()})
	}
	if err := user.ValidateDisplayName(cmd.DisplayName); err != nil {
		fields = append(fields, apperr.FieldError{Field: "displayName", Message: err.Error()})
	}
	if len(fields) > 0 {
		return user.Email{}, apperr.Validation(fields...)
	}
	return email, nil
}
