package database

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
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
// another one instead of the request failing with 503; a unit of work
// whose first round trip met such a session is run again by Do.
type endedConnector struct{ driver.Connector }

// Connect implements driver.Connector.
func (c endedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &endedConn{Conn: conn.(*stdlib.Conn)}, nil
}

// endedConn is a pgx connection that answers, with driver.ErrBadConn, the
// autocommit statements that did not complete and the autocommit SELECTs
// sent to a session that had already ended. It also saves transactions
// round trips:
//   - BEGIN is not sent on its own but with the transaction's first
//     statement, as one pgx batch, and not at all when the transaction
//     sends nothing;
//   - the statements a transaction deferred (Defer) are held back and sent
//     with its next statement or its COMMIT;
//   - a query made through Query rides with them too, its rows scanned
//     straight from pgx.
//
// Everything else is pgx's.
type endedConn struct {
	*stdlib.Conn
	// beginPending: a transaction has begun whose BEGIN is not sent yet.
	beginPending bool
	// lost, when the transaction belongs to a unit of work, is set when
	// its first round trip (the one carrying BEGIN) met an ended session.
	lost     *bool
	deferred []deferredStmt
}

// BeginTx implements driver.ConnBeginTx. A transaction with the default
// options begins without a round trip; one with an isolation level or
// read-only begins as pgx begins it. BEGIN has no effect of its own.
func (c *endedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.deferred = c.deferred[:0]
	if opts == (driver.TxOptions{}) {
		if c.Conn.Conn().IsClosed() {
			return nil, driver.ErrBadConn
		}
		c.beginPending = true
		c.lost = nil
		if st, ok := ctx.Value(txKey{}).(*txState); ok {
			c.lost = &st.beginLost
		}
		return &pipelinedTx{conn: c, ctx: ctx}, nil
	}
	idle := c.idle()
	tx, err := c.Conn.BeginTx(ctx, opts)
	if idle && sessionEnded(err) {
		return nil, driver.ErrBadConn
	}
	if err != nil {
		return nil, err
	}
	return &pipelinedTx{Tx: tx, conn: c, ctx: ctx}, nil
}

// ExecContext implements driver.ExecerContext, as stdlib does, and sees
// the command tag: a statement the server never completed has none, and
// one it completed (and then committed) is never run again.
func (c *endedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.Conn.Conn().IsClosed() {
		return nil, driver.ErrBadConn
	}
	idle := c.idle()
	values := argValues(args)
	if len(values) > 0 && values[0] == deferMark {
		if idle {
			return nil, errors.New("database: a statement can be deferred only in a transaction")
		}
		c.deferred = append(c.deferred, deferredStmt{query: query, args: values[1:]})
		return driver.RowsAffected(0), nil
	}
	if c.pending() {
		tag, err := c.send(ctx, query, values)
		return driver.RowsAffected(tag.RowsAffected()), err
	}
	tag, err := c.Conn.Conn().Exec(ctx, query, values...)
	if err != nil && (pgconn.SafeToRetry(err) || (idle && tag.String() == "" && sessionEnded(err))) {
		return nil, driver.ErrBadConn
	}
	return driver.RowsAffected(tag.RowsAffected()), err
}

// QueryContext implements driver.QueryerContext. Only a SELECT outside a
// transaction is run again: it changes nothing whatever it got to. A query
// from Query (a scanner as its first argument) is run by scan.
func (c *endedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) > 0 {
		if s, ok := args[0].Value.(*scanner); ok {
			return c.scan(ctx, s, query, args[1:])
		}
	}
	if c.pending() {
		// Rows that database/sql reads stream back: what is pending goes
		// first, in a round trip of its own, so that the query sees it.
		if _, err := c.send(ctx, "", nil); err != nil {
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

// scan runs a query for Query: in the same round trip as what the
// transaction has pending, with each row handed to s's function as pgx
// reads it. Its driver.Rows are empty: the rows went to s.
func (c *endedConn) scan(ctx context.Context, s *scanner, query string, args []driver.NamedValue) (driver.Rows, error) {
	values := argValues(args)
	if c.pending() {
		err := c.roundTrip(ctx, query, values, func(br pgx.BatchResults) error {
			_, err := s.scan(br.Query())
			return err
		})
		if err != nil {
			return nil, err
		}
		return emptyRows{}, nil
	}
	idle := c.idle()
	scanned, err := s.scan(c.Conn.Conn().Query(ctx, query, values...))
	if idle && scanned == 0 && sessionEnded(err) && isSelect(query) {
		return nil, driver.ErrBadConn
	}
	if err != nil {
		return nil, err
	}
	return emptyRows{}, nil
}

// argValues are the values of a statement's arguments, as pgx takes them.
func argValues(args []driver.NamedValue) []any {
	values := make([]any, len(args))
	for i, a := range args {
		values[i] = a.Value
	}
	return values
}

// idle reports whether the connection is outside a transaction: a
// statement in a transaction is never run again, since the transaction
// is lost with the session.
func (c *endedConn) idle() bool {
	return !c.beginPending && c.Conn.Conn().PgConn().TxStatus() == 'I'
}

// pending reports whether the transaction has something not sent yet.
func (c *endedConn) pending() bool { return c.beginPending || len(c.deferred) > 0 }

// batch returns what is pending, BEGIN first, as a batch, and forgets it.
func (c *endedConn) batch() *pgx.Batch {
	b := &pgx.Batch{}
	if c.beginPending {
		b.Queue("begin")
		c.beginPending = false
	}
	for _, s := range c.deferred {
		b.Queue(s.query, s.args...)
	}
	c.deferred = c.deferred[:0]
	return b
}

// send sends what is pending, then query when there is one (and COMMIT is
// one), in one round trip, and returns query's command tag.
func (c *endedConn) send(ctx context.Context, query string, args []any) (pgconn.CommandTag, error) {
	var tag pgconn.CommandTag
	err := c.roundTrip(ctx, query, args, func(br pgx.BatchResults) (err error) {
		tag, err = br.Exec()
		return err
	})
	return tag, err
}

// roundTrip sends what is pending, then query when there is one, as one
// pgx batch: one round trip. It reads the pending statements' results and
// leaves query's to read. It returns the first error. Statements run in
// the order they were deferred and sent, so nothing reads around a
// deferred write. After a failed statement the server skips the rest of
// the batch and the transaction is aborted: its COMMIT, whether in this
// batch or later, rolls back. A failed round trip that carried BEGIN is
// noted for Do (noteLost).
func (c *endedConn) roundTrip(ctx context.Context, query string, args []any, read func(pgx.BatchResults) error) error {
	began := c.beginPending
	b := c.batch()
	pending := b.Len()
	if query != "" {
		b.Queue(query, args...)
	}
	br := c.Conn.Conn().SendBatch(ctx, b)
	var err error
	for range pending {
		if _, err = br.Exec(); err != nil {
			break
		}
	}
	if err == nil && query != "" {
		err = read(br)
	}
	// Close reports the batch's first error again, or a failure to read
	// past it.
	if closeErr := br.Close(); err == nil {
		err = closeErr
	}
	if err != nil && began {
		c.noteLost(err)
	}
	return err
}

// noteLost records, for Do, that the round trip carrying the transaction's
// BEGIN met a session that had ended, or failed before sending anything:
// nothing of the transaction happened. A connection that broke in any
// other way may have sent a COMMIT (Commit's batch carries one when
// nothing went before it), so that is not a loss to run again.
func (c *endedConn) noteLost(err error) {
	if c.lost != nil && (sessionEnded(err) || pgconn.SafeToRetry(err)) {
		*c.lost = true
	}
}

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

// scanner, as the first argument of a query sent to an endedConn, carries
// Query's function for each row: the connection runs the query with pgx
// and scans the rows into it (scan).
type scanner struct {
	fn func(Row) error
}

// scan hands each row of a query's rows to s's function, closes them, and
// returns how many rows it handed and the first error. It takes Query's
// results as they are (rows, err).
func (s *scanner) scan(rows pgx.Rows, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		if err := s.fn(rows); err != nil {
			return n, err
		}
	}
	return n, rows.Err()
}

// emptyRows are the rows of a query whose rows went to a scanner.
type emptyRows struct{}

func (emptyRows) Columns() []string         { return nil }
func (emptyRows) Close() error              { return nil }
func (emptyRows) Next([]driver.Value) error { return io.EOF }

// pipelinedTx is a transaction of an endedConn: its COMMIT carries what
// the transaction has pending, and a transaction that sent nothing ends
// without a round trip. Tx is pgx's transaction when it began as pgx
// begins them (BeginTx), else nil.
type pipelinedTx struct {
	driver.Tx
	conn *endedConn
	ctx  context.Context
}

// Commit implements driver.Tx. With statements pending it sends them and
// COMMIT in one round trip; if one of them fails, the transaction is rolled
// back and the statement's error returned.
func (t *pipelinedTx) Commit() error {
	c := t.conn
	if c.beginPending && len(c.deferred) == 0 {
		c.beginPending = false // nothing was sent: nothing to commit
		return nil
	}
	if t.Tx != nil && !c.pending() {
		return t.Tx.Commit()
	}
	tag, err := c.send(t.ctx, "commit", nil)
	if err != nil {
		if !c.Conn.Conn().IsClosed() && c.Conn.Conn().PgConn().TxStatus() != 'I' {
			_, rbErr := c.Conn.Conn().Exec(context.WithoutCancel(t.ctx), "rollback")
			err = errors.Join(err, rbErr)
		}
		return err
	}
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// Rollback implements driver.Tx: what is pending is dropped with the rest.
func (t *pipelinedTx) Rollback() error {
	c := t.conn
	c.deferred = c.deferred[:0]
	if c.beginPending {
		c.beginPending = false // nothing was sent: nothing to roll back
		return nil
	}
	if t.Tx != nil {
		return t.Tx.Rollback()
	}
	pc := c.Conn.Conn()
	if pc.IsClosed() {
		return driver.ErrBadConn
	}
	if pc.PgConn().TxStatus() == 'I' {
		return nil
	}
	if _, err := pc.Exec(t.ctx, "rollback"); err != nil {
		// The session is in an unknown state: it must not be reused.
		_ = pc.Close(context.WithoutCancel(t.ctx))
		return driver.ErrBadConn
	}
	return nil
}
