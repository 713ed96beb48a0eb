// Package permission declares the activities context's permissions and
// what each role is granted of them (docs/api.md's permission table). The
// module contributes Grants to the platform's policy; the application
// handlers check the permissions with auth.Require.
package permission

import "github.com/zebralabs/zebra/platform/auth"

const (
	// ManageOwn: create, read, update and delete one's own activities.
	ManageOwn auth.Permission = "activities:own"
	// ManageAll: read, update and delete every user's activities.
	ManageAll auth.Permission = "activities:all"
)

// Grants is what each role holds: members manage their own activities,
// admins everyone's; auditors none.
var Grants = auth.Grants{
	auth.RoleMember: {ManageOwn},
	auth.RoleAdmin:  {ManageOwn, ManageAll},
}
