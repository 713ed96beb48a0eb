package database_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// TestSessionsEndedInThePoolAreReplaced: when the server ends the sessions
// of idle pooled connections (a restart, a failover, pg_terminate_backend),
// the next unit of work (whose BEGIN rides with its first statement, a
// write or a query), autocommit write and SELECT on each of them still
// succeed, on a fresh connection, and the write happens once.
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
	// each reused once since, so that pgx's check on reuse (a ping when the
	// connection was last reset over a second ago, or never) does not
	// find the ended sessions first: only the next statement does.
	fill := func() {
		for range 2 {
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() { require.NoError(t, db.Exec("SELECT pg_sleep(0.05)").Error) })
			}
			wg.Wait()
		}
	}
	kill := func() {
		var n int
		require.NoError(t, admin.Raw(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'`).Scan(&n).Error)
		require.Positive(t, n, "no pooled session was terminated")
	}

	uow := database.NewUnitOfWork(db)
	steps := map[string]func() error{
		"BEGIN": func() error {
			return uow.Do(ctx, func(ctx context.Context) error {
				return database.Conn(ctx, db).Exec("INSERT INTO ended VALUES (1)").Error
			})
		},
		"autocommit write": func() error {
			_, err := database.Exec(ctx, db, "INSERT INTO ended VALUES ($1)", 2)
			return err
		},
		"SELECT": func() error {
			var n int
			return db.Raw("SELECT count(*) FROM ended").Scan(&n).Error
		},
		"SELECT through Query": func() error {
			return database.Query(ctx, db, func(database.Row) error { return nil }, "SELECT count(*) FROM ended")
		},
		"BEGIN with a query first": func() error {
			return uow.Do(ctx, func(ctx context.Context) error {
				if err := database.Query(ctx, db, func(database.Row) error { return nil }, "SELECT count(*) FROM ended"); err != nil {
					return err
				}
				return database.Defer(ctx, db, "INSERT INTO ended VALUES (3)")
			})
		},
	}
	for _, name := range []string{"BEGIN", "autocommit write", "SELECT", "SELECT through Query", "BEGIN with a query first"} {
		fill()
		kill()
		for i := range 4 { // every pooled connection is dead: each use meets one
			assert.NoError(t, steps[name](), "%s on a pool whose sessions ended (use %d)", name, i+1)
		}
	}
	var rows []int
	require.NoError(t, db.Raw("SELECT n FROM ended ORDER BY n").Scan(&rows).Error)
	assert.Equal(t, []int{1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}, rows, "each write happened exactly once")
}
