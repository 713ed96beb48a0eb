package activities

import (
	"go.uber.org/fx"

	"github.com/zebralabs/zebra/platform/migrate"
	"github.com/zebralabs/zebra/schema"
)

// Module wires the activities context: its schema, and later its routes and handlers.
var Module = fx.Module("activities",
	fx.Provide(migrate.AsSource(func() migrate.Source {
		return migrate.Source{Owner: "activities", HCL: schema.HCL("activities"), PostSQL: schema.PostSQL("activities")}
	})),
)
