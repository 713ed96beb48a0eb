package command

import (
	"context"
	"errors"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
)

// ProvisionExternal maps a verified token of the external OIDC issuer to
// a user.
type ProvisionExternal struct {
	Issuer        string
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
}

// ProvisionExternalHandler finds the user linked to issuer+subject, or
// creates one with the member role. The email is only taken over when the
// provider says it is verified and no local account has it: linking by
// email would let whoever controls the provider take over local accounts.
type ProvisionExternalHandler struct{ d Deps }

// NewProvisionExternalHandler returns the handler.
func NewProvisionExternalHandler(d Deps) ProvisionExternalHandler {
	return ProvisionExternalHandler{d: d}
}

// Handle returns the principal, or unauthorized for a deactivated user.
func (h ProvisionExternalHandler) Handle(ctx context.Context, cmd ProvisionExternal) (auth.Principal, error) {
	u, err := h.d.External.UserByExternal(ctx, cmd.Issuer, cmd.Subject)
	if errors.Is(err, user.ErrNotFound) {
		u, err = h.provision(ctx, cmd)
		if errors.Is(err, user.ErrExternalLinked) {
			u, err = h.d.External.UserByExternal(ctx, cmd.Issuer, cmd.Subject)
		}
	}
	if err != nil {
		return auth.Principal{}, err
	}
	if !u.Active() {
		return auth.Principal{}, apperr.Unauthorized("the account is deactivated")
	}
	roles := make([]auth.Role, 0, len(u.Roles()))
	for _, r := range u.Roles() {
		roles = append(roles, auth.Role(r))
	}
	return auth.Principal{UserID: u.ID(), Roles: roles}, nil
}

func (h ProvisionExternalHandler) provision(ctx context.Context, cmd ProvisionExternal) (*user.User, error) {
	id := h.d.newID()
	var u *user.User
	err := h.d.UoW.Do(ctx, func(ctx context.Context) error {
		email, verified := h.claimableEmail(ctx, cmd)
		var err error
		u, err = user.New(user.NewParams{
			ID: id, Email: email, DisplayName: truncateName(cmd.Name), Roles: []user.Role{user.RoleMember},
			Now: h.d.now(), Actor: auditlog.SystemActor, EmailVerified: verified,
		})
		if err != nil {
			return err
		}
		if err := h.d.Users.Add(ctx, u); err != nil {
			return err
		}
		if err := h.d.External.Link(ctx, cmd.Issuer, cmd.Subject, id); err != nil {
			return err
		}
		return h.d.Audit.Record(ctx, auditlog.Event{
			Actor: auditlog.SystemActor, Action: ActionProvisioned, EntityType: entityUser, EntityID: id.String(),
			After: snapshotOf(u), Metadata: map[string]any{"issuer": cmd.Issuer, "subject": cmd.Subject},
		})
	})
	return u, err
}

// claimableEmail returns the provider's email when it is verified and
// unused; otherwise none.
func (h ProvisionExternalHandler) claimableEmail(ctx context.Context, cmd ProvisionExternal) (user.Email, bool) {
	email, err := user.ParseEmail(cmd.Email)
	if err != nil || !cmd.EmailVerified {
		return user.Email{}, false
	}
	if _, err := h.d.Users.ByEmail(ctx, email); !errors.Is(err, user.ErrNotFound) {
		return user.Email{}, false
	}
	return email, true
}

// truncateName keeps a provider's name within the display-name rules.
func truncateName(name string) string {
	r := []rune(name)
	if len(r) > user.MaxDisplayNameLength {
		r = r[:user.MaxDisplayNameLength]
	}
	if user.ValidateDisplayName(string(r)) != nil {
		return ""
	}
	return string(r)
}
