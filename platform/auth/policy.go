package auth

import (
	"context"
	"slices"

	"go.uber.org/fx"
)

// Grants is what one module grants to which role: for each role, the
// module's permissions that role holds.
type Grants map[Role][]Permission

// ProvideGrants contributes a module's grants to the policy. A module lists
// it in its fx.Module:
//
//	auth.ProvideGrants(auth.Grants{auth.RoleMember: {ManageOwn}, auth.RoleAdmin: {ManageOwn, ManageAll}})
//
// Taking the module out of the app takes its grants out with it.
func ProvideGrants(g Grants) fx.Option {
	return fx.Supply(fx.Annotated{Group: grantsGroup, Target: g})
}

const grantsGroup = "auth.grants"

// Policy is the union of the grants of every module plugged in: which
// permissions each role holds. It is built once at startup and read-only
// afterwards, so it is safe for concurrent use.
type Policy struct {
	grants map[Role][]Permission
}

// NewPolicy returns the union of gs.
func NewPolicy(gs ...Grants) *Policy {
	pol := &Policy{grants: map[Role][]Permission{}}
	for _, g := range gs {
		for role, perms := range g {
			for _, perm := range perms {
				if !slices.Contains(pol.grants[role], perm) {
					pol.grants[role] = append(pol.grants[role], perm)
				}
			}
		}
	}
	return pol
}

// Bind returns p answering Has from pol.
func (pol *Policy) Bind(p Principal) Principal {
	p.policy = pol
	return p
}

// Verifier returns v with every principal it verifies bound to pol, or nil
// when v is nil (no module verifies tokens).
func (pol *Policy) Verifier(v Verifier) Verifier {
	if v == nil {
		return nil
	}
	return boundVerifier{v: v, pol: pol}
}

// allows reports whether any of roles is granted perm; a nil policy
// grants nothing.
func (pol *Policy) allows(roles []Role, perm Permission) bool {
	if pol == nil {
		return false
	}
	for _, r := range roles {
		if slices.Contains(pol.grants[r], perm) {
			return true
		}
	}
	return false
}

type boundVerifier struct {
	v   Verifier
	pol *Policy
}

func (b boundVerifier) Verify(ctx context.Context, token string) (Principal, error) {
	p, err := b.v.Verify(ctx, token)
	if err != nil {
		return p, err
	}
	return b.pol.Bind(p), nil
}

type policyParams struct {
	fx.In
	Grants []Grants `group:"auth.grants"`
}

// Module provides the *Policy of every module's grants (ProvideGrants).
// platform.Module includes it.
var Module = fx.Module("auth", fx.Provide(func(p policyParams) *Policy { return NewPolicy(p.Grants...) }))
