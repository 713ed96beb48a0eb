package database

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

type txKey struct{}

// txState is the transaction of one unit of work and the hooks to run
// around its commit.
type txState struct {
	tx           *gorm.DB
	role         string // of the pool the transaction began on (RoleOf)
	beforeCommit []func(context.Context) error
	afterCommit  []func(context.Context)
}

// UnitOfWork runs a command in one transaction carried by the context, so
// that repositories, the audit-log recorder, the outbox and the idempotency
// store all write through it and a command commits everything or nothing.
// Application packages depend on their own one-method interface, which
// *UnitOfWork satisfies; they never see gorm.
type UnitOfWork struct {
	db   *gorm.DB
	role string
}

// NewUnitOfWork returns a unit of work over db.
func NewUnitOfWork(db *gorm.DB) *UnitOfWork { return &UnitOfWork{db: db, role: RoleOf(db)} }

// Do runs fn once, inside one transaction (gorm's Transaction), and
// returns its error translated (Translate). A nested Do joins the outer
// transaction, whose session keeps the role it began with: the audit-log
// recorder of one module joins the transaction of another and writes as
// that module's role. A module's Do never joins a transaction of the
// login user's pool, which would lift its statements past its role: it
// returns ErrLoginTransaction instead. An error or a panic from fn rolls
// back; a failed commit is returned (translated), never swallowed.
// After-commit hooks run only after a successful commit, with a context
// that is no longer cancelled with the request. Do never runs fn again: a transaction whose session the server
// ended mid-way is lost, and its error is 503 unavailable
// (docs/adr/0006-plain-data-path.md).
//
// Waiting for a connection (the pool gate) ends with ctx, and a caller
// that has already given up gets no transaction. Once begun, the unit of
// work runs to its COMMIT or ROLLBACK under ctx's deadline but not its
// cancellation (detach): otherwise a client that hangs up mid-command has
// pgx interrupt the statement in flight, close its connection and leave
// the command half-way, to be rolled back by the server. It gets
// finishGrace after the cancellation, then stops (docs/reliability.md,
// "A client that hangs up").
func (u *UnitOfWork) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		if st.role == "" && u.role != "" {
			return fmt.Errorf("unit of work of role %s: %w", u.role, ErrLoginTransaction)
		}
		return fn(ctx)
	}
	if err := ctx.Err(); err != nil {
		return Translate(fmt.Errorf("begin: %w", err))
	}
	release, err := holdSlot(ctx, u.db)
	if err != nil {
		return err
	}
	defer release()

	workCtx, stop := detach(ctx, finishGrace)
	defer stop()
	st := &txState{role: u.role}
	txCtx := context.WithValue(workCtx, txKey{}, st)
	var workErr error
	err = u.db.WithContext(txCtx).Transaction(func(tx *gorm.DB) error {
		st.tx = tx
		workErr = st.work(txCtx, fn)
		return workErr
	})
	switch {
	case workErr != nil:
		return Translate(workErr)
	case err != nil && st.tx == nil:
		return Translate(fmt.Errorf("begin: %w", err))
	case err != nil:
		return Translate(fmt.Errorf("commit: %w", err))
	}
	release() // before the hooks, which may need a connection of their own
	hookCtx := context.WithoutCancel(ctx)
	for _, h := range st.afterCommit {
		h(hookCtx)
	}
	return nil
}

// finishGrace is how long a unit of work that has begun goes on after its
// caller's context is cancelled: ample for a healthy database to finish
// the statement in flight and commit or roll back, short enough that a
// stalled one does not hold the connection long past the caller.
const finishGrace = 2 * time.Second

// detach returns a context with ctx's values and deadline that is
// cancelled grace after ctx is, rather than with it; stop releases it.
func detach(ctx context.Context, grace time.Duration) (_ context.Context, stop func()) {
	var (
		detached context.Context
		cancel   context.CancelFunc
	)
	if deadline, ok := ctx.Deadline(); ok {
		detached, cancel = context.WithDeadline(context.WithoutCancel(ctx), deadline)
	} else {
		detached, cancel = context.WithCancel(context.WithoutCancel(ctx))
	}
	stopAfter := context.AfterFunc(ctx, func() { time.AfterFunc(grace, cancel) })
	return detached, func() { stopAfter(); cancel() }
}

// work runs fn, then the before-commit hooks.
func (st *txState) work(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := fn(ctx); err != nil {
		return err
	}
	// Indexed loop: a hook may register further hooks.
	for i := 0; i < len(st.beforeCommit); i++ {
		if err := st.beforeCommit[i](ctx); err != nil {
			return err
		}
	}
	return nil
}

// Conn returns the transaction of the unit of work of ctx when there is
// one, else db bound to ctx. Repositories call it for every statement, so
// the same code works inside and outside a unit of work. In a transaction
// the statement runs as the role the transaction began with; a statement
// of a module's pool in a transaction of the login user's pool fails with
// ErrLoginTransaction instead of running past the module's role.
func Conn(ctx context.Context, db *gorm.DB) *gorm.DB {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		if st.role == "" {
			if role := RoleOf(db); role != "" {
				refused := db.WithContext(ctx)
				_ = refused.AddError(fmt.Errorf("statement of role %s: %w", role, ErrLoginTransaction))
				return refused
			}
		}
		return st.tx
	}
	return db.WithContext(ctx)
}

// SharedConn is Conn for a port whose statements need only what every
// module role is granted (the Shared grants: an append-only log's insert,
// say),
// called from any unit of work, the platform's own included: it joins the
// transaction of ctx whatever role began it. Running such a statement as
// the login user gives the caller nothing its own transaction did not
// already have; refusing it would leave the platform's own audited
// changes (maintenance mode) with no way to record themselves atomically.
func SharedConn(ctx context.Context, db *gorm.DB) *gorm.DB {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		return st.tx
	}
	return db.WithContext(ctx)
}

// InTx reports whether ctx carries a unit of work.
func InTx(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*txState)
	return ok
}

// BeforeCommit registers fn to run inside the unit of work of ctx, after
// the command's own work and just before the commit, in registration
// order; an error from fn rolls the transaction back and is returned by
// Do. It is for work that serialises writers (a hash chain that takes a
// lock, say), so the lock is held for as short a time as possible.
// Outside a unit of work fn runs at once and its error is returned.
func BeforeCommit(ctx context.Context, fn func(context.Context) error) error {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		st.beforeCommit = append(st.beforeCommit, fn)
		return nil
	}
	return fn(ctx)
}

// AfterCommit registers fn to run after the unit of work of ctx commits
// (cache invalidation, waking the outbox relay). Outside a unit of work
// there is nothing to wait for, so fn runs at once.
func AfterCommit(ctx context.Context, fn func(context.Context)) {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		st.afterCommit = append(st.afterCommit, fn)
		return
	}
	fn(context.WithoutCancel(ctx))
}
