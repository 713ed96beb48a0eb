//go:build unix

package database

import (
	"context"
	"database/sql/driver"
	"errors"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5"
)

// discardEnded is the ResetSession hook of Open's pool: database/sql calls
// it before it reuses a pooled connection, and a connection whose session
// the server ended while it sat in the pool (pg_terminate_backend, a
// restart, a failover) is discarded with driver.ErrBadConn, so database/sql
// takes another one and the caller never sees it. Nothing was sent on the
// dead connection, so this holds for every statement and for BEGIN alike.
//
// pgx's stdlib pings a reused connection only when it has been idle for
// over a second, and a ping on every reuse costs a round trip; but a server
// that ends a session sends its FATAL message (57P01-57P03) or closes the
// socket at once, so one non-blocking read of the socket tells, without a
// round trip, as go-sql-driver/mysql's connection check does. A session
// that ends while a statement is on its way is not retried: the statement
// may have run, and the caller gets 503 (Translate).
func discardEnded(ctx context.Context, conn *pgx.Conn) error {
	pc := conn.PgConn()
	// SyncConn, which pgx asks for before any direct use of the socket,
	// makes sure pgx holds no read-ahead nor a background read; on an idle
	// connection it has neither and returns at once.
	if err := pc.SyncConn(ctx); err != nil || ended(pc.Conn()) {
		return driver.ErrBadConn
	}
	return nil
}

// ended reports whether the server wrote to or closed nc, an idle
// connection to which it owes nothing. The byte read, if any, is lost:
// the connection is discarded either way.
func ended(nc net.Conn) bool {
	if tc, ok := nc.(interface{ NetConn() net.Conn }); ok { // TLS
		nc = tc.NetConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	var readErr error
	err = raw.Read(func(fd uintptr) bool {
		var b [1]byte
		_, readErr = syscall.Read(int(fd), b[:])
		return true // one attempt: Go's sockets are non-blocking
	})
	if err != nil {
		return true
	}
	// EAGAIN: nothing to read, the session is alive (so is it, as far as
	// anyone knows, after an interrupted read). Anything else (a message,
	// end of stream, a reset) means it ended.
	return !errors.Is(readErr, syscall.EAGAIN) && !errors.Is(readErr, syscall.EWOULDBLOCK) && !errors.Is(readErr, syscall.EINTR)
}
