package database

import (
	"context"
	"database/sql/driver"
	"strings"

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
	return endedConn{conn.(*stdlib.Conn)}, nil
}

// endedConn is a pgx connection whose BEGIN, autocommit statements that
// did not complete, and autocommit SELECTs answer a session that had
// already ended with driver.ErrBadConn. Everything else is pgx's.
type endedConn struct{ *stdlib.Conn }

// BeginTx implements driver.ConnBeginTx. BEGIN has no effect of its own.
func (c endedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	idle := c.idle()
	tx, err := c.Conn.BeginTx(ctx, opts)
	if idle && sessionEnded(err) {
		return nil, driver.ErrBadConn
	}
	return tx, err
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
	tag, err := c.Conn.Conn().Exec(ctx, query, values...)
	if err != nil && (pgconn.SafeToRetry(err) || (idle && tag.String() == "" && sessionEnded(err))) {
		return nil, driver.ErrBadConn
	}
	return driver.RowsAffected(tag.RowsAffected()), err
}

// QueryContext implements driver.QueryerContext. Only a SELECT outside a
// transaction is run again: it changes nothing whatever it got to.
func (c endedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
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
