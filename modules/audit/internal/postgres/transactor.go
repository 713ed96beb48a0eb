package postgres

import (
	"context"

	"github.com/zebralabs/zebra/platform/database"
)

// Transactor is the platform's unit of work as the record command needs
// it (command.Transactor): Do, plus the before-commit hook where the chain
// lock is taken.
type Transactor struct {
	*database.UnitOfWork
}

// Do runs fn in the unit of work of ctx, whichever pool began it (the
// platform's own included: recording needs only the insert every role is
// granted, see Store.Append), else in a new one of the audit module's.
func (t Transactor) Do(ctx context.Context, fn func(context.Context) error) error {
	if database.InTx(ctx) {
		return fn(ctx)
	}
	return t.UnitOfWork.Do(ctx, fn)
}

// BeforeCommit defers fn to just before the unit of work of ctx commits.
func (Transactor) BeforeCommit(ctx context.Context, fn func(context.Context) error) error {
	return database.BeforeCommit(ctx, fn)
}
