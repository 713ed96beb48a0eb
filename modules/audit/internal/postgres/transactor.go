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

// BeforeCommit defers fn to just before the unit of work of ctx commits.
func (Transactor) BeforeCommit(ctx context.Context, fn func(context.Context) error) error {
	return database.BeforeCommit(ctx, fn)
}
