package command_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/app/command"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/modules/identity/internal/permission"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
)

const pw = "correct horse battery"

func (f *fixture) signUp(t *testing.T, email string) uuid.UUID {
	t.Helper()
	id, err := command.NewSignUpHandler(f.deps).Handle(context.Background(), command.SignUp{Email: email, Password: pw})
	if err != nil {
		t.Fatalf("sign up %s: %v", email, err)
	}
	return id
}

func (f *fixture) login(t *testing.T, email string) command.Tokens {
	t.Helper()
	tok, err := command.NewLoginHandler(f.deps).Handle(context.Background(), command.Login{Email: email, Password: pw, IP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	return tok
}

func as(id uuid.UUID, roles ...auth.Role) context.Context {
	return auth.WithPrincipal(context.Background(), auth.NewPrincipal(id, roles, permission.Grants))
}

func TestSignUp(t *testing.T) {
	t.Parallel()
	f := newFixture()
	id := f.signUp(t, "  Ada@Example.COM ")
	u, err := f.s.Get(context.Background(), id)
	if err != nil || u.Email().String() != "ada@example.com" || u.PasswordHash() != "hashed:"+pw || !slices.Equal(u.Roles(), []user.Role{user.RoleMember}) {
		t.Fatalf("stored user %+v, %v", u, err)
	}
	if got := f.s.actions(); !slices.Equal(got, []string{"user.signed_up"}) {
		t.Fatalf("audit %v", got)
	}
	if len(f.s.events) != 1 || f.s.events[0].Type != "user.signed_up" {
		t.Fatalf("outbox %+v", f.s.events)
	}
	payload, _ := json.Marshal(f.s.events[0].Payload)
	audit, _ := json.Marshal(f.s.audit[0])
	for _, leak := range []string{pw, "hashed:"} {
		if strings.Contains(string(payload), leak) || strings.Contains(string(audit), leak) {
			t.Fatalf("password or hash leaked: %s %s", payload, audit)
		}
	}
}

func TestSignUpDuplicateIsConflictAndAudited(t *testing.T) {
	t.Parallel()
	f := newFixture()
	f.signUp(t, "ada@example.com")
	_, err := command.NewSignUpHandler(f.deps).Handle(context.Background(), command.SignUp{Email: "ADA@example.com", Password: pw})
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.CodeConflict || e.Details["reason"] != "email_taken" {
		t.Fatalf("duplicate: %v", err)
	}
	if got := f.s.actions(); !slices.Equal(got, []string{"user.signed_up", "user.signup_rejected"}) {
		t.Fatalf("audit %v", got)
	}
	if len(f.s.events) != 1 {
		t.Fatalf("the rejected sign-up published %d events", len(f.s.events)-1)
	}
}

func TestSignUpValidation(t *testing.T) {
	t.Parallel()
	f := newFixture()
	_, err := command.NewSignUpHandler(f.deps).Handle(context.Background(), command.SignUp{Email: "nope", Password: "short", DisplayName: "a\x01"})
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.CodeValidationFailed {
		t.Fatalf("got %v", err)
	}
	fields := e.Details["fields"].([]apperr.FieldError)
	if len(fields) != 3 || fields[0].Field != "email" || fields[1].Field != "password" || fields[2].Field != "displayName" {
		t.Fatalf("fields %+v", fields)
	}
}

// TestLookAlikeEmails: sign-up refuses an address with invisible,
// formatting or control characters, naming email; log-in and password
// reset treat it as an unknown address (401, 202 doing nothing), so they
// reveal nothing either. Internationalised addresses are welcome.
func TestLookAlikeEmails(t *testing.T) {
	t.Parallel()
	f := newFixture()
	f.signUp(t, "ada@example.com")
	signUp := command.NewSignUpHandler(f.deps)
	for _, email := range []string{"ada@exa\u200bmple.com", "a\u200dda@example.com", "\u202eada@example.com", "ada@exam\u00adple.com", "\ufeffada@example.com", "ada\u0007@example.com"} {
		_, err := signUp.Handle(context.Background(), command.SignUp{Email: email, Password: pw})
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.CodeValidationFailed {
			t.Fatalf("sign up %q: %v", email, err)
		}
		if fields := e.Details["fields"].([]apperr.FieldError); len(fields) != 1 || fields[0].Field != "email" {
			t.Fatalf("sign up %q: fields %+v", email, fields)
		}
		if err := command.NewRequestPasswordResetHandler(f.deps).Handle(context.Background(), command.RequestPasswordReset{Email: email}); err != nil {
			t.Fatalf("password reset %q: %v", email, err)
		}
	}
	for _, email := range []string{"jörg@bücher.de", "用户@例子.广告"} {
		if _, err := signUp.Handle(context.Background(), command.SignUp{Email: email, Password: pw}); err != nil {
			t.Fatalf("sign up %q: %v", email, err)
		}
	}
	if got := f.s.actions(); !slices.Equal(got, []string{"user.signed_up", "user.signed_up", "user.signed_up"}) {
		t.Fatalf("audit %v", got)
	}
}

func TestLoginSameAnswerForUnknownEmailAndWrongPassword(t *testing.T) {
	t.Parallel()
	f := newFixture()
	f.signUp(t, "ada@example.com")
	login := command.NewLoginHandler(f.deps)
	_, errUnknown := login.Handle(context.Background(), command.Login{Email: "bob@example.com", Password: pw})
	_, errWrong := login.Handle(context.Background(), command.Login{Email: "ada@example.com", Password: "wrong password!"})
	if errUnknown == nil || errUnknown.Error() != errWrong.Error() || apperr.CodeOf(errUnknown) != apperr.CodeUnauthorized {
		t.Fatalf("unknown: %v; wrong: %v", errUnknown, errWrong)
	}
	if f.h.burns != 1 {
		t.Fatalf("unknown email must burn one hash, burned %d", f.h.burns)
	}
	if got := f.s.actions(); !slices.Equal(got, []string{"user.signed_up", "user.login_failed", "user.login_failed"}) {
		t.Fatalf("audit %v", got)
	}
	for _, e := range f.s.audit[1:] {
		b, _ := json.Marshal(e)
		if strings.Contains(string(b), "wrong password") {
			t.Fatalf("password in audit: %s", b)
		}
	}
}

// TestLoginFailedLinksTheAccount: a failed login for an existing account
// carries the account's id as entity id (the actor stays the system: the
// caller proved nothing), so an auditor filtering by the user sees it; an
// unknown email, or one that breaks the sign-up rules, carries none. The
// answer is the same 401 in every case.
func TestLoginFailedLinksTheAccount(t *testing.T) {
	t.Parallel()
	f := newFixture()
	ada := f.signUp(t, "ada@example.com")
	login := command.NewLoginHandler(f.deps)
	tests := []struct {
		email, entityID, reason string
	}{
		{"Ada@Example.com", ada.String(), "wrong_password"},
		{"bob@example.com", "", "unknown_email"},
		{"ada@exa\u200bmple.com", "", "invalid_email"},
	}
	for _, tt := range tests {
		_, err := login.Handle(context.Background(), command.Login{Email: tt.email, Password: "wrong password!", IP: "192.0.2.1"})
		if err == nil || err.Error() != "unauthorized: the email or password is incorrect" {
			t.Fatalf("%s: %v", tt.email, err)
		}
		e := f.s.audit[len(f.s.audit)-1]
		if e.Action != "user.login_failed" || e.EntityType != "user" || e.EntityID != tt.entityID ||
			e.Actor != auditlog.SystemActor || e.Metadata["reason"] != tt.reason {
			t.Errorf("%s: audit %+v, want entity %q, reason %s", tt.email, e, tt.entityID, tt.reason)
		}
	}
	if f.h.burns != 2 {
		t.Fatalf("an unknown or invalid email must burn a hash like a known one verifies it: %d burns", f.h.burns)
	}
}

func TestLoginSuccessStartsFamily(t *testing.T) {
	t.Parallel()
	f := newFixture()
	id := f.signUp(t, "ada@example.com")
	tok := f.login(t, "ADA@example.com")
	if tok.AccessToken != "access:"+id.String()+":member" || tok.RefreshToken == "" || tok.ExpiresIn != 15*time.Minute {
		t.Fatalf("tokens %+v", tok)
	}
	if len(f.s.families) != 1 || !slices.Contains(f.s.actions(), "user.logged_in") {
		t.Fatalf("families %d audit %v", len(f.s.families), f.s.actions())
	}
	if _, ok := f.s.refresh[token.HashOf(tok.RefreshToken)]; !ok {
		t.Fatal("refresh token not stored by hash")
	}
}

func TestLoginLockout(t *testing.T) {
	t.Parallel()
	f := newFixture()
	f.signUp(t, "ada@example.com")
	login := command.NewLoginHandler(f.deps)
	for range 3 {
		if _, err := login.Handle(context.Background(), command.Login{Email: "ada@example.com", Password: "wrong password!"}); apperr.CodeOf(err) != apperr.CodeUnauthorized {
			t.Fatalf("failure: %v", err)
		}
	}
	_, err := login.Handle(context.Background(), command.Login{Email: "ada@example.com", Password: pw})
	var rl *command.RateLimitedError
	if !errors.As(err, &rl) || apperr.CodeOf(err) != apperr.CodeRateLimited || rl.RetryAfterSeconds() != 60 {
		t.Fatalf("locked login: %v", err)
	}
	if !slices.Contains(f.s.actions(), "user.locked_out") {
		t.Fatalf("lockout not audited: %v", f.s.actions())
	}
}

func TestLoginDeactivatedUserRefused(t *testing.T) {
	t.Parallel()
	f := newFixture()
	admin := f.signUp(t, "admin@example.com")
	id := f.signUp(t, "ada@example.com")
	if err := command.NewDeactivateUserHandler(f.deps).Handle(as(admin, auth.RoleAdmin), command.DeactivateUser{UserID: id, IfMatch: `"1"`}); err != nil {
		t.Fatal(err)
	}
	_, err := command.NewLoginHandler(f.deps).Handle(context.Background(), command.Login{Email: "ada@example.com", Password: pw})
	if apperr.CodeOf(err) != apperr.CodeUnauthorized {
		t.Fatalf("deactivated login: %v", err)
	}
}

func TestRefreshRotatesAndReuseRevokesFamily(t *testing.T) {
	t.Parallel()
	f := newFixture()
	f.signUp(t, "ada@example.com")
	first := f.login(t, "ada@example.com")
	refresh := command.NewRefreshHandler(f.deps)

	second, err := refresh.Handle(context.Background(), command.Refresh{RefreshToken: first.RefreshToken})
	if err != nil || second.RefreshToken == first.RefreshToken || second.AccessToken == "" {
		t.Fatalf("rotate: %+v %v", second, err)
	}
	_, err = refresh.Handle(context.Background(), command.Refresh{RefreshToken: first.RefreshToken})
	if apperr.CodeOf(err) != apperr.CodeUnauthorized {
		t.Fatalf("reuse: %v", err)
	}
	if !slices.Contains(f.s.actions(), "user.refresh_token_reused") {
		t.Fatalf("reuse not audited: %v", f.s.actions())
	}
	// The reuse revoked the family: the legitimate successor is dead too.
	if _, err := refresh.Handle(context.Background(), command.Refresh{RefreshToken: second.RefreshToken}); apperr.CodeOf(err) != apperr.CodeUnauthorized {
		t.Fatalf("successor after reuse: %v", err)
	}
}

func TestRefreshRejects(t *testing.T) {
	t.Parallel()
	f := newFixture()
	f.signUp(t, "ada@example.com")
	tok := f.login(t, "ada@example.com")
	refresh := command.NewRefreshHandler(f.deps)
	for _, bad := range []string{"", "unknown", strings.Repeat("x", 600)} {
		if _, err := refresh.Handle(context.Background(), command.Refresh{RefreshToken: bad}); apperr.CodeOf(err) != apperr.CodeUnauthorized {
			t.Errorf("%.10q: %v", bad, err)
		}
	}
	f.now = f.now.Add(25 * time.Hour)
	if _, err := refresh.Handle(context.Background(), command.Refresh{RefreshToken: tok.RefreshToken}); apperr.CodeOf(err) != apperr.CodeUnauthorized {
		t.Fatalf("expired: %v", err)
	}
}

func TestLogoutRevokesFamily(t *testing.T) {
	t.Parallel()
	f := newFixture()
	id := f.signUp(t, "ada@example.com")
	tok := f.login(t, "ada@example.com")
	if err := command.NewLogoutHandler(f.deps).Handle(context.Background(), command.Logout{RefreshToken: tok.RefreshToken}); apperr.CodeOf(err) != apperr.CodeUnauthorized {
		t.Fatalf("logout without principal: %v", err)
	}
	if err := command.NewLogoutHandler(f.deps).Handle(as(id, auth.RoleMember), command.Logout{RefreshToken: tok.RefreshToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := command.NewRefreshHandler(f.deps).Handle(context.Background(), command.Refresh{RefreshToken: tok.RefreshToken}); apperr.CodeOf(err) != apperr.CodeUnauthorized {
		t.Fatalf("refresh after logout: %v", err)
	}
	if err := command.NewLogoutHandler(f.deps).Handle(as(id, auth.RoleMember), command.Logout{RefreshToken: "unknown"}); err != nil {
		t.Fatalf("unknown token logout must be a no-op: %v", err)
	}
}

func TestVerifyEmailWithMailedToken(t *testing.T) {
	t.Parallel()
	f := newFixture()
	id := f.signUp(t, "ada@example.com")
	mt, err := command.NewIssueMailTokenHandler(f.deps).Handle(context.Background(), command.IssueMailToken{UserID: id, Purpose: token.PurposeVerifyEmail})
	if err != nil || mt.Skip || mt.Email != "ada@example.com" {
		t.Fatalf("issue: %+v %v", mt, err)
	}
	verify := command.NewVerifyEmailHandler(f.deps)
	if err := verify.Handle(context.Background(), command.VerifyEmail{Token: mt.Secret}); err != nil {
		t.Fatal(err)
	}
	u, _ := f.s.Get(context.Background(), id)
	if !u.EmailVerified() || u.Version() != 2 {
		t.Fatalf("verified %v version %d", u.EmailVerified(), u.Version())
	}
	err = verify.Handle(context.Background(), command.VerifyEmail{Token: mt.Secret})
	if e, ok := apperr.As(err); !ok || e.Code != apperr.CodeValidationFailed {
		t.Fatalf("second use: %v", err)
	}
	again, _ := command.NewIssueMailTokenHandler(f.deps).Handle(context.Background(), command.IssueMailToken{UserID: id, Purpose: token.PurposeVerifyEmail})
	if !again.Skip {
		t.Fatal("a verified user needs no second verification mail")
	}
}

func TestPasswordResetRevokesEverySession(t *testing.T) {
	t.Parallel()
	f := newFixture()
	id := f.signUp(t, "ada@example.com")
	s1, s2 := f.login(t, "ada@example.com"), f.login(t, "ada@example.com")

	if err := command.NewRequestPasswordResetHandler(f.deps).Handle(context.Background(), command.RequestPasswordReset{Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := command.NewRequestPasswordResetHandler(f.deps).Handle(context.Background(), command.RequestPasswordReset{Email: "nobody@example.com"}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.s.events); n != 2 || f.s.events[1].Type != "user.password_reset_requested" {
		t.Fatalf("events %+v", f.s.events)
	}
	issue := command.NewIssueMailTokenHandler(f.deps)
	older, _ := issue.Handle(context.Background(), command.IssueMailToken{UserID: id, Purpose: token.PurposeResetPassword})
	mt, _ := issue.Handle(context.Background(), command.IssueMailToken{UserID: id, Purpose: token.PurposeResetPassword})

	confirm := command.NewConfirmPasswordResetHandler(f.deps)
	if err := confirm.Handle(context.Background(), command.ConfirmPasswordReset{Token: older.Secret, NewPassword: "a brand new password"}); apperr.CodeOf(err) != apperr.CodeValidationFailed {
		t.Fatalf("older reset link must die when a newer one is sent: %v", err)
	}
	if err := confirm.Handle(context.Background(), command.ConfirmPasswordReset{Token: mt.Secret, NewPassword: "short"}); apperr.CodeOf(err) != apperr.CodeValidationFailed {
		t.Fatalf("weak password: %v", err)
	}
	if err := confirm.Handle(context.Background(), command.ConfirmPasswordReset{Token: mt.Secret, NewPassword: "a brand new password"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []command.Tokens{s1, s2} {
		if _, err := command.NewRefreshHandler(f.deps).Handle(context.Background(), command.Refresh{RefreshToken: s.RefreshToken}); apperr.CodeOf(err) != apperr.CodeUnauthorized {
			t.Fatalf("session survived the reset: %v", err)
		}
	}
	if _, err := command.NewLoginHandler(f.deps).Handle(context.Background(), command.Login{Email: "ada@example.com", Password: "a brand new password"}); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	if !slices.Contains(f.s.actions(), "user.password_reset") {
		t.Fatalf("audit %v", f.s.actions())
	}
}

func TestChangeRoles(t *testing.T) {
	t.Parallel()
	f := newFixture()
	admin := f.signUp(t, "admin@example.com")
	id := f.signUp(t, "ada@example.com")
	h := command.NewChangeRolesHandler(f.deps)
	tests := []struct {
		name string
		ctx  context.Context
		cmd  command.ChangeRoles
		want apperr.Code
	}{
		{"anonymous", context.Background(), command.ChangeRoles{UserID: id, Roles: []string{"auditor"}, IfMatch: `"1"`}, apperr.CodeUnauthorized},
		{"member", as(id, auth.RoleMember), command.ChangeRoles{UserID: id, Roles: []string{"admin"}, IfMatch: `"1"`}, apperr.CodeForbidden},
		{"member without If-Match", as(id, auth.RoleMember), command.ChangeRoles{UserID: id, Roles: []string{"admin"}}, apperr.CodeForbidden},
		{"anonymous without If-Match", context.Background(), command.ChangeRoles{UserID: id, Roles: []string{"admin"}}, apperr.CodeUnauthorized},
		{"without If-Match", as(admin, auth.RoleAdmin), command.ChangeRoles{UserID: id, Roles: []string{"auditor"}}, apperr.CodePreconditionRequired},
		{"If-Match *", as(admin, auth.RoleAdmin), command.ChangeRoles{UserID: id, Roles: []string{"auditor"}, IfMatch: "*"}, apperr.CodePreconditionRequired},
		{"weak If-Match", as(admin, auth.RoleAdmin), command.ChangeRoles{UserID: id, Roles: []string{"auditor"}, IfMatch: `W/"1"`}, apperr.CodePreconditionFailed},
		{"stale list", as(admin, auth.RoleAdmin), command.ChangeRoles{UserID: id, Roles: []string{"auditor"}, IfMatch: `"2", "3"`}, apperr.CodePreconditionFailed},
		{"unknown user", as(admin, auth.RoleAdmin), command.ChangeRoles{UserID: uuid.New(), Roles: []string{"auditor"}, IfMatch: `"1"`}, apperr.CodeNotFound},
		{"stale", as(admin, auth.RoleAdmin), command.ChangeRoles{UserID: id, Roles: []string{"auditor"}, IfMatch: `"7"`}, apperr.CodePreconditionFailed},
		{"bad role", as(admin, auth.RoleAdmin), command.ChangeRoles{UserID: id, Roles: []string{"root"}, IfMatch: `"1"`}, apperr.CodeValidationFailed},
		{"no role", as(admin, auth.RoleAdmin), command.ChangeRoles{UserID: id, Roles: []string{}, IfMatch: `"1"`}, apperr.CodeValidationFailed},
	}
	for _, tt := range tests {
		if err := h.Handle(tt.ctx, tt.cmd); apperr.CodeOf(err) != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
	// A list matches when any of its strong tags does (RFC 9110).
	if err := h.Handle(as(admin, auth.RoleAdmin), command.ChangeRoles{UserID: id, Roles: []string{"auditor", "member"}, IfMatch: `W/"9", "9", "1"`}); err != nil {
		t.Fatal(err)
	}
	u, _ := f.s.Get(context.Background(), id)
	if !slices.Equal(u.Roles(), []user.Role{user.RoleMember, user.RoleAuditor}) || u.Version() != 2 {
		t.Fatalf("roles %v version %d", u.Roles(), u.Version())
	}
	last := f.s.audit[len(f.s.audit)-1]
	if last.Action != "user.roles_changed" || last.Actor != admin.String() || last.Before == nil || last.After == nil {
		t.Fatalf("audit %+v", last)
	}
}

func TestDeactivateRevokesRefreshTokens(t *testing.T) {
	t.Parallel()
	f := newFixture()
	admin := f.signUp(t, "admin@example.com")
	id := f.signUp(t, "ada@example.com")
	tok := f.login(t, "ada@example.com")
	h := command.NewDeactivateUserHandler(f.deps)
	if err := h.Handle(as(id, auth.RoleMember), command.DeactivateUser{UserID: id}); apperr.CodeOf(err) != apperr.CodeForbidden {
		t.Fatalf("a member without If-Match: %v, want forbidden before the precondition", err)
	}
	if err := h.Handle(as(admin, auth.RoleAdmin), command.DeactivateUser{UserID: id, IfMatch: `W/"1"`}); apperr.CodeOf(err) != apperr.CodePreconditionFailed {
		t.Fatalf("weak If-Match: %v", err)
	}
	if err := h.Handle(as(admin, auth.RoleAdmin), command.DeactivateUser{UserID: admin, IfMatch: `"1"`}); apperr.CodeOf(err) != apperr.CodeConflict {
		t.Fatalf("self deactivation: %v", err)
	}
	if err := h.Handle(as(admin, auth.RoleAdmin), command.DeactivateUser{UserID: id, IfMatch: `"1"`}); err != nil {
		t.Fatal(err)
	}
	if _, err := command.NewRefreshHandler(f.deps).Handle(context.Background(), command.Refresh{RefreshToken: tok.RefreshToken}); apperr.CodeOf(err) != apperr.CodeUnauthorized {
		t.Fatalf("refresh after deactivation: %v", err)
	}
	if err := h.Handle(as(admin, auth.RoleAdmin), command.DeactivateUser{UserID: id, IfMatch: `"1"`}); apperr.CodeOf(err) != apperr.CodePreconditionFailed {
		t.Fatalf("stale If-Match: %v", err)
	}
}

func TestEnsureUserIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newFixture()
	h := command.NewEnsureUserHandler(f.deps)
	existing := f.signUp(t, "ada@example.com")
	id, err := h.Handle(context.Background(), command.EnsureUser{Email: "ADA@example.com", Password: "another password", Roles: []string{"admin"}})
	if err != nil || id != existing {
		t.Fatalf("existing: %v %v", id, err)
	}
	u, _ := f.s.Get(context.Background(), id)
	if !u.HasRole(user.RoleAdmin) || !u.HasRole(user.RoleMember) || u.PasswordHash() != "hashed:"+pw {
		t.Fatalf("roles %v; password must be kept", u.Roles())
	}
	fresh, err := h.Handle(context.Background(), command.EnsureUser{Email: "root@example.com", Password: pw, Roles: []string{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	again, err := h.Handle(context.Background(), command.EnsureUser{Email: "root@example.com", Password: pw, Roles: []string{"admin"}})
	if err != nil || again != fresh {
		t.Fatalf("second run: %v %v", again, err)
	}
	v, _ := f.s.Get(context.Background(), fresh)
	if !v.EmailVerified() || v.Version() != 1 {
		t.Fatalf("bootstrap user verified %v version %d", v.EmailVerified(), v.Version())
	}
}

func TestProvisionExternal(t *testing.T) {
	t.Parallel()
	f := newFixture()
	local := f.signUp(t, "ada@example.com")
	h := command.NewProvisionExternalHandler(f.deps)
	p, err := h.Handle(context.Background(), command.ProvisionExternal{Issuer: "https://idp", Subject: "s1", Email: "ada@example.com", EmailVerified: true, Name: "Ada"})
	if err != nil || p.UserID == local || !slices.Equal(p.Roles, []auth.Role{auth.RoleMember}) {
		t.Fatalf("provision: %+v %v", p, err)
	}
	u, _ := f.s.Get(context.Background(), p.UserID)
	if !u.Email().IsZero() {
		t.Fatal("an external user must not take over a local account's email")
	}
	again, err := h.Handle(context.Background(), command.ProvisionExternal{Issuer: "https://idp", Subject: "s1"})
	if err != nil || again.UserID != p.UserID {
		t.Fatalf("second token: %+v %v", again, err)
	}
	other, _ := h.Handle(context.Background(), command.ProvisionExternal{Issuer: "https://idp", Subject: "s2", Email: "new@example.com", EmailVerified: true})
	o, _ := f.s.Get(context.Background(), other.UserID)
	if o.Email().String() != "new@example.com" || !o.EmailVerified() {
		t.Fatalf("verified unused email must be kept: %q", o.Email())
	}
}
