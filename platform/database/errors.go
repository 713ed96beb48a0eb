package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/zebralabs/zebra/platform/apperr"
)

// Translate maps driver errors that mean the same thing everywhere to the
// typed errors of apperr, so that no dependency failure reaches a client
// as 500 (docs/reliability.md, "Dependency failures"):
//
//   - 504 timeout: the database did not answer in time. The work's
//     context ended (the request's deadline, or a cancellation: pgx then
//     returns context.Canceled), a connect outlived DATABASE_CONNECT_TIMEOUT
//     (pgconn reports a deadline), the server cancelled the statement
//     (57014, statement_timeout), or database/sql rolled back a
//     transaction whose context ended, so its COMMIT failed with
//     ErrTxDone. The HTTP layer records a request whose client hung up as
//     499 instead, whatever its error.
//   - 503 unavailable: no session could be had or kept. A connection was
//     refused or could not be reached, the server ended the session
//     (57P01-57P03, class 08), or the connection broke mid-way.
//
// Anything else is returned unchanged for the repository to translate
// (not found, unique violations) or to surface as internal.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "57014": // query_canceled, e.g. statement_timeout
			return apperr.Timeout(err)
		case pgErr.Code == "22021", pgErr.Code == "22P05": // a NUL or bytes that are not UTF-8 in a value
			// The HTTP layer refuses such text; this is the backstop for
			// any path that still reaches the database with it.
			return apperr.Wrap(apperr.CodeBadRequest, "the request contains characters that cannot be stored", err)
		case sessionEnded(pgErr), // shutdown, cannot connect now
			len(pgErr.Code) == 5 && pgErr.Code[:2] == "08": // connection exception
			return apperr.Unavailable(err)
		}
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		pgconn.Timeout(err) || errors.Is(err, sql.ErrTxDone) {
		return apperr.Timeout(err)
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connErr) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) || lostConnection(err) {
		return apperr.Unavailable(err)
	}
	return err
}

// IsUniqueViolation reports whether err is a unique constraint violation,
// optionally of the named constraint.
func IsUniqueViolation(err error, constraint ...string) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return false
	}
	return len(constraint) == 0 || pgErr.ConstraintName == constraint[0]
}

// lostConnection reports an error of a connection that broke mid-way (the
// server or the link went away while a statement was in flight): EOF
// without a network error, a closed or bad connection.
func lostConnection(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone)
}

// sessionEnded reports whether err is the server ending the session:
// terminated by an administrator, a crash or an immediate shutdown, or
// refused while the server starts or stops (SQLSTATE 57P01-57P03).
func sessionEnded(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case "57P01", "57P02", "57P03":
		return true
	}
	return false
}
