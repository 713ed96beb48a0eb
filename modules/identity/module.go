package identity

import (
	"go.uber.org/fx"

	"github.com/zebralabs/zebra/platform/migrate"
	"github.com/zebralabs/zebra/schema"
)

// Module wires the identity context: its schema, and later its routes and handlers.
var Module = fx.Module("identity",
	fx.Provide(migrate.AsSource(func() migrate.Source {
		return migrate.Source{Owner: "identity", HCL: schema.HCL("identity"), PostSQL: schema.PostSQL("identity")}
	})),
)
