package database

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// A session the server ended while its connection sat in the pool
// (pg_terminate_backend, a restart, a failover) is discovered only by the
// next statement sent on it: pgx pings a pooled connection before reuse
// only once it has been idle for a second, and a restart leaves every
// idle connection dead at once. endedConnector's connections report such a
// statement as driver.ErrBadConn when it cannot have had any effect, so
// database/sql drops the connection and runs the statement again on
// another one instead of the request failing with 503.
type endedConnector struct{ driver.Connector }

// Connect implements driver.Connector.
func (c endedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return endedConn{Conn: conn.(*stdlib.Conn), deferred: new([]deferredStmt)}, nil
}

// endedConn is a pgx connection whose BEGIN, autocommit statements that
// did not complete, and autocommit SELECTs answer a session that had
// already ended with driver.ErrBadConn. It also holds the statements a
// transaction deferred (Defer), which it sends with the transaction's next
// statement or its COMMIT. Everything else is pgx's.
type endedConn struct {
	*stdlib.Conn
	deferred *[]deferredStmt
}

// BeginTx implements driver.ConnBeginTx. BEGIN has no effect of its own.
func (c endedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	idle := c.idle()
	tx, err := c.Conn.BeginTx(ctx, opts)
	if idle && sessionEnded(err) {
		return nil, driver.ErrBadConn
	}
	if err != nil {
		return nil, err
	}
	*c.deferred = (*c.deferred)[:0]
	return pipelinedTx{Tx: tx, conn: c, ctx: ctx}, nil
}

// ExecContext implements driver.ExecerContext, as stdlib does, and sees
// the command tag: a statement the server never completed has none, and
// one it completed (and then committed) is never run again.
func (c endedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.Conn.Conn().IsClosed() {
		return nil, driver.ErrBadConn
	}
	idle := c.idle()
	values := make([]any, len(args))
	for i, a := range args {
		values[i] = a.Value
	}
	if len(values) > 0 && values[0] == deferMark {
		if idle {
			return nil, errors.New("database: a statement can be deferred only in a transaction")
		}
		*c.deferred = append(*c.deferred, deferredStmt{query: query, args: values[1:]})
		return driver.RowsAffected(0), nil
	}
	if len(*c.deferred) > 0 {
		tag, err := c.flush(ctx, query, values)
		return driver.RowsAffected(tag.RowsAffected()), err
	}
	tag, err := c.Conn.Conn().Exec(ctx, query, values...)
	if err != nil && (pgconn.SafeToRetry(err) || (idle && tag.String() == "" && sessionEnded(err))) {
		return nil, driver.ErrBadConn
	}
	return driver.RowsAffected(tag.RowsAffected()), err
}

// QueryContext implements driver.QueryerContext. Only a SELECT outside a
// transaction is run again: it changes nothing whatever it got to.
func (c endedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(*c.deferred) > 0 {
		// A query's rows stream back: the deferred statements go first, in
		// a round trip of their own, so that the query sees their writes.
		if _, err := c.flush(ctx, "", nil); err != nil {
			return nil, err
		}
	}
	idle := c.idle()
	rows, err := c.Conn.QueryContext(ctx, query, args)
	if idle && sessionEnded(err) && isSelect(query) {
		return nil, driver.ErrBadConn
	}
	return rows, err
}

// idle reports whether the connection is outside a transaction: a
// statement in a transaction is never run again, since the transaction
// is lost with the session.
func (c endedConn) idle() bool { return c.Conn.Conn().PgConn().TxStatus() == 'I' }

// isSelect reports whether query is a SELECT, which changes nothing.
func isSelect(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	return len(q) >= 6 && strings.EqualFold(q[:6], "SELECT")
}

// deferMark, as the first argument of a statement sent to an endedConn in
// a transaction, asks the connection to hold the statement back (Defer).
// It is a value of an unexported type, so no caller's argument can be it.
var deferMark any = deferMarker{}

type deferMarker struct{}

// deferredStmt is a statement held back until the transaction's next
// statement or its COMMIT.
type deferredStmt struct {
	query string
	args  []any
}

// flush sends the deferred statements, then query when there is one (and
// COMMIT is one), as one pgx batch: one round trip. It returns the last
// statement's command tag and the first error. Statements run in the order
// they were deferred and sent, so nothing reads around a deferred write.
// After a failed statement the server skips the rest of the batch and the
// transaction is aborted: its COMMIT, whether in this batch or later,
// rolls back.
func (c endedConn) flush(ctx context.Context, query string, args []any) (pgconn.CommandTag, error) {
	stmts := *c.deferred
	*c.deferred = (*c.deferred)[:0]
	var b pgx.Batch
	for _, s := range stmts {
		b.Queue(s.query, s.args...)
	}
	if query != "" {
		b.Queue(query, args...)
	}
	br := c.Conn.Conn().SendBatch(ctx, &b)
	var tag pgconn.CommandTag
	var err error
	for range b.Len() {
		if tag, err = br.Exec(); err != nil {
			break
		}
	}
	// Close reports the batch's first error again, or a failure to read
	// past it.
	if closeErr := br.Close(); err == nil {
		err = closeErr
	}
	return tag, err
}

// pipelinedTx is pgx's transaction, whose COMMIT carries the statements
// the transaction deferred.
type pipelinedTx struct {
	driver.Tx
	conn endedConn
	ctx  context.Context
}

// Commit implements driver.Tx. With statements deferred it sends them and
// COMMIT in one round trip; if one of them fails, the transaction is rolled
// back and the statement's error returned.
func (t pipelinedTx) Commit() error {
	if len(*t.conn.deferred) == 0 {
		return t.Tx.Commit()
	}
	tag, err := t.conn.flush(t.ctx, "commit", nil)
	if err != nil {
		if t.conn.Conn.Conn().PgConn().TxStatus() != 'I' {
			_, rbErr := t.conn.Conn.Conn().Exec(context.WithoutCancel(t.ctx), "rollback")
			err = errors.Join(err, rbErr)
		}
		return err
	}
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// Rollback implements driver.Tx: what was deferred is dropped with the rest.
func (t pipelinedTx) Rollback() error {
	*t.conn.deferred = (*t.conn.deferred)[:0]
	return t.Tx.Rollback()
}
