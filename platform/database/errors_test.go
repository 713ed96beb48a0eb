package database_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// TestTranslate_TxEndedByTheDeadlineIsATimeout: database/sql rolls back a
// transaction whose context ended, so the COMMIT that follows fails with
// ErrTxDone; the client must get 504 timeout, not 500.
func TestTranslate_TxEndedByTheDeadlineIsATimeout(t *testing.T) {
	t.Parallel()
	err := database.Translate(fmt.Errorf("commit: %w", sql.ErrTxDone))
	if got := apperr.CodeOf(err); got != apperr.CodeTimeout {
		t.Fatalf("code %q, want %q (%v)", got, apperr.CodeTimeout, err)
	}
}

// TestTranslate_StoppedWorkIsATimeout: a statement or BEGIN stopped by a
// cancelled context (pgx returns context.Canceled, also when the request's
// own timeout cancels it) is 504 timeout, as a deadline is, whether it
// comes straight from gorm or wrapped by a repository; never a 500.
func TestTranslate_StoppedWorkIsATimeout(t *testing.T) {
	t.Parallel()
	db := open(t, testConfig(t, dbtest.EmptyURL(t)))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	stmtErr := db.WithContext(ctx).Exec("SELECT pg_sleep(5)").Error
	require.ErrorIs(t, stmtErr, context.Canceled)
	cancelled, stop := context.WithCancel(context.Background())
	stop()
	beginErr := db.WithContext(cancelled).Begin().Error
	require.Error(t, beginErr)

	for _, err := range []error{
		stmtErr,
		fmt.Errorf("insert activity 42: %w", stmtErr),
		fmt.Errorf("begin: %w", beginErr),
		fmt.Errorf("begin: %w", context.Canceled),
	} {
		assert.Equal(t, apperr.CodeTimeout, apperr.CodeOf(database.Translate(err)), "%v", err)
	}
}

// TestTranslate_ConnectFailures: a server that accepts the connection and
// never answers fails it after DATABASE_CONNECT_TIMEOUT, 504 timeout; one
// that refuses it is down, 503 unavailable.
func TestTranslate_ConnectFailures(t *testing.T) {
	t.Parallel()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = silent.Close() })
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, closed.Close())

	for addr, want := range map[string]apperr.Code{
		silent.Addr().String(): apperr.CodeTimeout,
		closed.Addr().String(): apperr.CodeUnavailable,
	} {
		_, connErr := pgconn.Connect(context.Background(), "postgres://postgres@"+addr+"/zebra?sslmode=disable&connect_timeout=1")
		var ce *pgconn.ConnectError
		require.ErrorAs(t, connErr, &ce)
		err := database.Translate(fmt.Errorf("begin: %w", connErr))
		assert.Equal(t, want, apperr.CodeOf(err), "%v", err)
	}
}
