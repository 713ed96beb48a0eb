package audit

import (
	"go.uber.org/fx"

	"github.com/zebralabs/zebra/platform/migrate"
	"github.com/zebralabs/zebra/schema"
)

// Module wires the audit context: its schema, and later its routes and handlers.
var Module = fx.Module("audit",
	fx.Provide(migrate.AsSource(func() migrate.Source {
		return migrate.Source{Owner: "audit", HCL: schema.HCL("audit"), PostSQL: schema.PostSQL("audit")}
	})),
)
