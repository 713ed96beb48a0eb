package database

import (
	"context"
	"database/sql/driver"
	"fmt"

	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/apperr"
)

type txKey struct{}

// txState is the transaction of one unit of work and the hooks to run once
// it has committed.
type txState struct {
	tx           *gorm.DB
	beforeCommit []func(context.Context) error
	afterCommit  []func(context.Context)
	// beginLost is set by the connection (endedConn) when the round trip
	// that carried the transaction's BEGIN met a session the server had
	// ended: nothing of the transaction happened, so Do runs it again.
	beginLost bool
}

// maxBeginAttempts bounds how many times Do runs a unit of work whose
// BEGIN met an ended session. Each such attempt drops one dead pooled
// connection; database/sql itself tries twice with pooled connections and
// then a new one when BEGIN is a round trip of its own.
const maxBeginAttempts = 10

// UnitOfWork runs a command in one transaction carried by the context, so
// that repositories, the audit recorder, the outbox and the idempotency
// store all write through it and a command commits everything or nothing.
// Application packages depend on their own one-method interface, which
// *UnitOfWork satisfies; they never see gorm.
type UnitOfWork struct {
	db *gorm.DB
}

// NewUnitOfWork returns a unit of work over db.
func NewUnitOfWork(db *gorm.DB) *UnitOfWork { return &UnitOfWork{db: db} }

// Do runs fn inside a transaction. A nested Do joins the outer transaction.
// An error or a panic from fn rolls back; a failed commit is returned (and
// translated), never swallowed. After-commit hooks run only after a
// successful commit, with a context that is no longer cancelled with the
// request. BEGIN is sent with the transaction's first statement (endedConn),
// so a pooled connection whose session the server ended is discovered
// there rather than by BEGIN: fn is then run again, on another connection,
// as database/sql runs a failed BEGIN again; nothing of its first attempt
// reached the server.
func (u *UnitOfWork) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*txState); ok {
		return fn(ctx)
	}
	for attempt := 1; ; attempt++ {
		lost, err := u.do(ctx, fn)
		switch {
		case !lost:
			return err
		case attempt == maxBeginAttempts:
			return apperr.Unavailable(fmt.Errorf("begin: every connection tried had its session ended: %w", driver.ErrBadConn))
		}
	}
}

// do is one attempt of Do. lost reports that the round trip carrying its
// BEGIN (with fn's first statement, endedConn) met an ended session, so
// nothing of the transaction reached the server and fn may run again on
// another connection.
func (u *UnitOfWork) do(ctx context.Context, fn func(ctx context.Context) error) (lost bool, err error) {
	release, err := acquireTx(ctx, u.db)
	if err != nil {
		return false, err
	}
	defer release()
	st := &txState{}
	txCtx := context.WithValue(ctx, txKey{}, st)
	tx := u.db.WithContext(txCtx).Begin()
	if tx.Error != nil {
		return false, Translate(fmt.Errorf("begin: %w", tx.Error))
	}
	st.tx = tx

	committed := false
	defer func() {
		if committed {
			return
		}
		tx.Rollback()
		if p := recover(); p != nil {
			panic(p)
		}
	}()

	if err := fn(txCtx); err != nil || st.beginLost {
		return st.beginLost, err
	}
	// Indexed loop: a hook may register further hooks.
	for i := 0; i < len(st.beforeCommit); i++ {
		if err := st.beforeCommit[i](txCtx); err != nil || st.beginLost {
			return st.beginLost, err
		}
	}
	if err := tx.Commit().Error; err != nil {
		return st.beginLost, Translate(fmt.Errorf("commit: %w", err))
	}
	committed = true
	release() // before the hooks, which may need a connection of their own
	hookCtx := context.WithoutCancel(ctx)
	for _, h := range st.afterCommit {
		h(hookCtx)
	}
	return false, nil
}

// Conn returns the transaction of ctx when there is one, else db, bound to
// ctx either way. Repositories call it for every statement, so the same
// code works inside and outside a unit of work.
func Conn(ctx context.Context, db *gorm.DB) *gorm.DB {
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
// Do. It is for work that serialises writers (the audit hash chain takes
// its lock here), so the lock is held for as short a time as possible.
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
