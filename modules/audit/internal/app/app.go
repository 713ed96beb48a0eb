// Package app is the audit context's application layer: the commands that
// change state (recording an event) and the queries that read it (listing,
// verifying the chain), with their ports. It knows nothing of gorm or HTTP.
package app

import (
	"github.com/zebralabs/zebra/modules/audit/internal/app/command"
	"github.com/zebralabs/zebra/modules/audit/internal/app/query"
)

// Application is the index of the context's use cases.
type Application struct {
	Commands Commands
	Queries  Queries
}

// Commands are the use cases that change state.
type Commands struct {
	RecordEvent *command.RecordEventHandler
}

// Queries are the use cases that read state.
type Queries struct {
	ListEvents  *query.ListEventsHandler
	VerifyChain *query.VerifyChainHandler
}
