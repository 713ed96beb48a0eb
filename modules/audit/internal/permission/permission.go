// Package permission declares the audit context's permissions and what
// each role is granted of them (docs/api.md's permission table). The module
// contributes Grants to the platform's policy; the queries check the
// permissions with auth.Require.
package permission

import "github.com/zebralabs/zebra/platform/auth"

const (
	// Read: read audit events.
	Read auth.Permission = "audit:read"
	// Verify: recompute the hash chain.
	Verify auth.Permission = "audit:verify"
)

// Grants is what each role holds: auditors read, admins read and verify;
// members none.
var Grants = auth.Grants{
	auth.RoleAuditor: {Read},
	auth.RoleAdmin:   {Read, Verify},
}
