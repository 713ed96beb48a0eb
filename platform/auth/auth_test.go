package auth_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"go.uber.org/fx"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
)

const (
	readThings  auth.Permission = "things:read"
	writeThings auth.Permission = "things:write"
	readOthers  auth.Permission = "others:read"
)

// The grants two modules would declare.
var (
	thingsGrants = auth.Grants{auth.RoleMember: {readThings}, auth.RoleAdmin: {readThings, writeThings}}
	othersGrants = auth.Grants{auth.RoleAuditor: {readOthers}, auth.RoleAdmin: {readOthers}}
)

// TestPolicyIsTheUnionOfTheModulesGrants collects the grants through fx,
// as the app does, and checks each role against each permission.
func TestPolicyIsTheUnionOfTheModulesGrants(t *testing.T) {
	t.Parallel()
	var pol *auth.Policy
	app := fx.New(fx.NopLogger, auth.Module, auth.ProvideGrants(thingsGrants), auth.ProvideGrants(othersGrants), fx.Populate(&pol))
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		role auth.Role
		perm auth.Permission
		want bool
	}{
		{auth.RoleMember, readThings, true},
		{auth.RoleMember, writeThings, false},
		{auth.RoleMember, readOthers, false},
		{auth.RoleAuditor, readOthers, true},
		{auth.RoleAuditor, readThings, false},
		{auth.RoleAdmin, writeThings, true},
		{auth.RoleAdmin, readOthers, true},
	}
	for _, tt := range tests {
		p := pol.Bind(auth.Principal{UserID: uuid.New(), Roles: []auth.Role{tt.role}})
		if got := p.Has(tt.perm); got != tt.want {
			t.Errorf("%s has %s = %v, want %v", tt.role, tt.perm, got, tt.want)
		}
	}
}

func TestUnboundPrincipalHoldsNothing(t *testing.T) {
	t.Parallel()
	p := auth.Principal{UserID: uuid.New(), Roles: []auth.Role{auth.RoleAdmin}}
	if p.Has(readThings) {
		t.Fatal("a principal bound to no policy holds a permission")
	}
}

func TestRequire(t *testing.T) {
	t.Parallel()
	member := auth.NewPrincipal(uuid.New(), []auth.Role{auth.RoleMember}, thingsGrants)
	tests := []struct {
		name string
		ctx  context.Context
		perm auth.Permission
		want apperr.Code
	}{
		{"anonymous", context.Background(), readThings, apperr.CodeUnauthorized},
		{"not granted", auth.WithPrincipal(context.Background(), member), writeThings, apperr.CodeForbidden},
		{"granted", auth.WithPrincipal(context.Background(), member), readThings, ""},
	}
	for _, tt := range tests {
		_, err := auth.Require(tt.ctx, tt.perm)
		if tt.want == "" && err != nil || tt.want != "" && apperr.CodeOf(err) != tt.want {
			t.Errorf("%s: err = %v, want code %q", tt.name, err, tt.want)
		}
	}
}

type verifier struct{ err error }

func (v verifier) Verify(context.Context, string) (auth.Principal, error) {
	return auth.Principal{UserID: uuid.New(), Roles: []auth.Role{auth.RoleMember}}, v.err
}

// TestPolicyVerifierBindsWhatTheVerifierReturns: the platform wraps the
// token verifier so that the principals it returns answer from the policy.
func TestPolicyVerifierBindsWhatTheVerifierReturns(t *testing.T) {
	t.Parallel()
	pol := auth.NewPolicy(thingsGrants)
	p, err := pol.Verifier(verifier{}).Verify(context.Background(), "token")
	if err != nil || !p.Has(readThings) {
		t.Fatalf("p = %+v, err = %v: the verified principal is not bound", p, err)
	}
	bad := errors.New("bad token")
	if _, err := pol.Verifier(verifier{err: bad}).Verify(context.Background(), "token"); !errors.Is(err, bad) {
		t.Fatalf("err = %v, want the verifier's", err)
	}
	if pol.Verifier(nil) != nil {
		t.Fatal("no verifier must stay no verifier, so that tokens are refused")
	}
}
