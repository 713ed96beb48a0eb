// Package permission declares the identity context's permissions and what
// each role is granted of them (docs/api.md's permission table). The module
// contributes Grants to the platform's policy; the application handlers
// check the permissions with auth.Require.
package permission

import "github.com/zebralabs/zebra/platform/auth"

// ManageUsers: list users, change roles, deactivate users.
const ManageUsers auth.Permission = "users:manage"

// Grants is what each role holds: admins manage users. Every authenticated
// caller reads itself (GET /v1/me) without a permission.
var Grants = auth.Grants{
	auth.RoleAdmin: {ManageUsers},
}
