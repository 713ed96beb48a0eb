// Command zebra is Zebra Labs' backend: one binary that serves the HTTP
// API, runs the outbox relay and applies the database schema.
package main

import (
	"go.uber.org/fx"

	"github.com/zebralabs/zebra/modules/activities"
	"github.com/zebralabs/zebra/modules/audit"
	"github.com/zebralabs/zebra/modules/identity"
)

// contexts lists the bounded contexts plugged into this binary.
var contexts = fx.Options(
	audit.Module,
	identity.Module,
	activities.Module,
)

func main() {
	fx.New(contexts, fx.NopLogger)
}
