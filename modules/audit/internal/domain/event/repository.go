package event

import "context"

// Repository stores events. It is append-only by design: there is no
// method to change or remove an event, and the database refuses it too.
type Repository interface {
	// Append stores events in the transaction of ctx, so they commit or
	// roll back with the change they describe, without taking any lock.
	// The store links them into the chain (Chain, in one order for every
	// replica) shortly after they commit; until then they are listed but
	// not yet covered by verification.
	Append(ctx context.Context, events ...*Event) error
}
