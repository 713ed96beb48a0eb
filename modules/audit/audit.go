// Package audit is the facade of the audit bounded context: the only package
// other modules and the app may import. Everything else is internal.
//
// Other contexts never import it: they record events through the platform
// port auditlog.Recorder, whose implementation Module contributes. The app
// imports it to plug the module in and for `zebra audit verify` (Chain).
package audit

import (
	"context"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/audit/internal/app"
	"github.com/zebralabs/zebra/modules/audit/internal/app/query"
	"github.com/zebralabs/zebra/modules/audit/internal/permission"
	"github.com/zebralabs/zebra/platform/auth"
)

// Verification is the outcome of recomputing the hash chain.
type Verification struct {
	OK bool `json:"ok"`
	// Checked counts the events examined, including the broken one.
	Checked int64 `json:"checked"`
	// FirstBrokenID is the first event that does not hold; empty when OK.
	FirstBrokenID string `json:"firstBrokenId,omitempty"`
}

// Chain is what operators do with the audit log from the command line.
type Chain interface {
	// Verify recomputes the whole hash chain. It runs with operator
	// rights: whoever can run the binary against the database is one.
	Verify(ctx context.Context) (Verification, error)
}

// chain implements Chain over the application's verify query.
type chain struct {
	app app.Application
}

// operator is the principal of command-line tools: they run with the
// database credentials, so they already have every right the API grants
// an admin here.
var operator = auth.NewPrincipal(uuid.Nil, []auth.Role{auth.RoleAdmin}, permission.Grants)

func (c chain) Verify(ctx context.Context) (Verification, error) {
	v, err := c.app.Queries.VerifyChain.Handle(auth.WithPrincipal(ctx, operator), query.VerifyChain{})
	if err != nil {
		return Verification{}, err
	}
	out := Verification{OK: v.OK, Checked: v.Checked}
	if !v.OK {
		out.FirstBrokenID = v.FirstBroken.String()
	}
	return out, nil
}
