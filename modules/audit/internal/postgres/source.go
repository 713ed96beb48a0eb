package postgres

import (
	"github.com/zebralabs/zebra/platform/migrate"
	"github.com/zebralabs/zebra/schema"
)

// Source is the audit context's part of the desired schema:
// schema/audit.hcl and the append-only triggers of schema/audit.sql.
func Source() migrate.Source {
	return migrate.Source{Owner: "audit", HCL: schema.HCL("audit"), PostSQL: schema.PostSQL("audit")}
}
