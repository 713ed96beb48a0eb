package database

import (
	"context"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// Exec runs one statement written with PostgreSQL's own placeholders ($1,
// $2, ...) and returns how many rows it affected: in the unit of work of
// ctx when there is one, else on db's pool, behind the pool gate like any
// other statement. Errors are the driver's; callers Translate them.
//
// Exec and Query are for the hot write paths (an activity's load, insert
// and update, the audit and outbox inserts): they hand the statement to
// database/sql directly, without gorm's statement builder, whose cloning,
// placeholder rewriting and reflection cost an audited write about a tenth
// of its CPU and a quarter of its allocations (docs/performance.md).
// Everything else uses gorm through Conn. Both are traced by the driver
// like every statement.
func Exec(ctx context.Context, db *gorm.DB, query string, args ...any) (int64, error) {
	conn, release, err := directConn(ctx, db)
	if err != nil {
		return 0, err
	}
	defer release()
	res, err := conn.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Defer runs a statement whose result the caller does not need (the audit
// and outbox inserts every command makes) without a round trip of its
// own: in the unit of work of ctx, the connection holds it back and sends
// it with the transaction's next statement, or with its COMMIT, as one
// batch, in the order the statements were made. Outside a unit of work it
// runs at once, as Exec. An error of a deferred statement is returned by
// the statement or the commit it went with (Do's error then), and rolls
// the transaction back like any other: callers Translate what Do returns.
// args must not change until then. It exists because every round trip
// costs a write a system call and a wake-up on both sides, which the
// benchmark measured (docs/performance.md items 31-32).
func Defer(ctx context.Context, db *gorm.DB, query string, args ...any) error {
	if st, ok := ctx.Value(txKey{}).(*txState); ok && pipelined(db) {
		_, err := st.tx.Statement.ConnPool.ExecContext(ctx, query, append([]any{deferMark}, args...)...)
		return err
	}
	_, err := Exec(ctx, db, query, args...)
	return err
}

// pipelining marks a gorm.DB opened by Open, whose connections are
// endedConns: they hold deferred statements back and run Query's scanners.
// On any other gorm.DB, Defer runs statements at once and Query reads rows
// through database/sql.
type pipelining struct{}

const pipeliningName = "zebra:pipelined-connections"

// Name implements gorm.Plugin.
func (pipelining) Name() string { return pipeliningName }

// Initialize implements gorm.Plugin; the plugin is only a mark.
func (pipelining) Initialize(*gorm.DB) error { return nil }

func pipelined(db *gorm.DB) bool {
	_, ok := db.Plugins[pipeliningName]
	return ok
}

// Row is the row Query hands its scan function: Scan copies the row's
// columns into dest, in order, as *sql.Rows and pgx.Rows do.
type Row interface {
	Scan(dest ...any) error
}

// Query runs one statement written with PostgreSQL's placeholders, like
// Exec, and calls scan for each row it returns (scan calls row.Scan). The
// rows are closed, and the connection given back, before Query returns.
// On a database opened by Open the connection runs the query with pgx and
// hands scan pgx's rows, which skips database/sql's copy of every value;
// in a unit of work the query rides in one round trip with the
// transaction's BEGIN and deferred statements when they are not sent yet.
func Query(ctx context.Context, db *gorm.DB, scan func(Row) error, query string, args ...any) error {
	conn, release, err := directConn(ctx, db)
	if err != nil {
		return err
	}
	defer release()
	if pipelined(db) {
		// The connection scans the rows into scan itself and returns none.
		args = append([]any{&scanner{fn: scan}}, args...)
	}
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// directConn returns where a direct statement runs: the transaction of the
// unit of work of ctx, or else db's pool, with a slot of its gate that
// release gives back.
func directConn(ctx context.Context, db *gorm.DB) (conn gorm.ConnPool, release func(), err error) {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		return st.tx.Statement.ConnPool, func() {}, nil
	}
	release, err = acquireTx(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	return db.ConnPool, release, nil
}

// Tuple writes to b the placeholders of count parameters numbered from
// first, as "($3, $4, $5)": one row of a multi-row VALUES built for Exec.
func Tuple(b *strings.Builder, first, count int) {
	b.WriteByte('(')
	for i := range count {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(first + i))
	}
	b.WriteByte(')')
}
