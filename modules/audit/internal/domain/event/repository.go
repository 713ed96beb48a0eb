package event

import "context"

// Repository stores events. It is append-only by design: there is no
// method to change or remove an event, and the database refuses it too.
type Repository interface {
	// Append locks the end of the chain in the transaction of ctx, chains
	// events after it in order (Chain) and stores them with the new end.
	// The lock is held until the transaction ends, so concurrent appends
	// form one chain.
	Append(ctx context.Context, events ...*Event) error
}
