package database_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// TestSessionsEndedInThePoolAreReplaced: when the server ends the sessions
// of idle pooled connections (a restart, a failover, pg_terminate_backend),
// the next unit of work, autocommit write (with or without rows back) and
// SELECT on each of them still succeed, on a fresh connection, and each
// write happens once.
func TestSessionsEndedInThePoolAreReplaced(t *testing.T) {
	t.Parallel()
	url := dbtest.EmptyURL(t)
	cfg := testConfig(t, url)
	cfg.MaxOpenConns, cfg.MaxIdleConns = 4, 4
	db := open(t, cfg)
	admin := open(t, testConfig(t, url))
	require.NoError(t, db.Exec("CREATE TABLE ended (n int)").Error)
	ctx := context.Background()

	// Fill the pool: four connections, each used and back in the pool, and
	// each reused once since, so that pgx's own check on reuse (a ping when
	// the connection was last reset over a second ago, or never) does not
	// find the ended sessions: only ours does.
	fill := func() {
		for range 2 {
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() { require.NoError(t, db.Exec("SELECT pg_sleep(0.05)").Error) })
			}
			wg.Wait()
		}
	}

	uow := database.NewUnitOfWork(db)
	tests := []struct {
		name string
		use  func() error
	}{
		{"unit of work (BEGIN)", func() error {
			return uow.Do(ctx, func(ctx context.Context) error {
				return database.Conn(ctx, db).Exec("INSERT INTO ended VALUES (1)").Error
			})
		}},
		{"autocommit write", func() error {
			return db.Exec("INSERT INTO ended VALUES (?)", 2).Error
		}},
		{"autocommit write with rows back", func() error {
			var n int
			return db.Raw("INSERT INTO ended VALUES (?) RETURNING n", 3).Scan(&n).Error
		}},
		{"SELECT", func() error {
			var n int
			return db.Raw("SELECT count(*) FROM ended").Scan(&n).Error
		}},
	}
	for _, tt := range tests {
		fill()
		terminateIdle(t, admin)
		for i := range 4 { // every pooled connection is dead: each use meets one
			assert.NoError(t, tt.use(), "%s on a pool whose sessions ended (use %d)", tt.name, i+1)
		}
	}
	var rows []int
	require.NoError(t, db.Raw("SELECT n FROM ended ORDER BY n").Scan(&rows).Error)
	assert.Equal(t, []int{1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}, rows, "each write happened exactly once")
}

// TestSessionEndedMidStatementIsUnavailable: a statement whose session the
// server ends while it runs may have had an effect, so it is not run again
// on another connection: the caller gets 503 unavailable.
func TestSessionEndedMidStatementIsUnavailable(t *testing.T) {
	t.Parallel()
	url := dbtest.EmptyURL(t)
	db := open(t, testConfig(t, url))
	admin := open(t, testConfig(t, url))
	require.NoError(t, db.Exec("CREATE TABLE ended (n int)").Error)

	done := make(chan error, 1)
	go func() { done <- db.Exec("INSERT INTO ended SELECT 1 FROM pg_sleep(1)").Error }()
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, admin.Raw(`SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE 'INSERT INTO ended%' AND state = 'active'`).Scan(&n).Error)
		return n == 1
	}, 5*time.Second, 10*time.Millisecond, "the INSERT never ran")
	err := <-done
	assert.Equal(t, apperr.CodeUnavailable, apperr.CodeOf(database.Translate(err)), "%v", err)

	time.Sleep(1200 * time.Millisecond) // a retry would have inserted by now
	var n int
	require.NoError(t, db.Raw("SELECT count(*) FROM ended").Scan(&n).Error)
	assert.Zero(t, n, "the statement was not run again")
}

// terminateIdle ends the sessions of the idle connections to db's
// database, other than admin's own, and waits until they are gone.
func terminateIdle(t *testing.T, admin *gorm.DB) {
	t.Helper()
	var n int
	require.NoError(t, admin.Raw(`SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'`).Scan(&n).Error)
	require.Positive(t, n, "no pooled session was terminated")
}
