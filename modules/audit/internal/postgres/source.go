package postgres

import (
	"github.com/zebralabs/zebra/platform/migrate"
)

// Source is the audit context's part of the desired schema:
// schema/audit.hcl and the append-only triggers of schema/audit.sql.
func Source() migrate.Source {
	return migrate.Embedded("audit")
}
