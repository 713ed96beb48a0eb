package health_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/health"
	"github.com/zebralabs/zebra/platform/redistest"
)

func TestChecks_AgainstRealDependencies(t *testing.T) {
	t.Parallel()
	c, err := config.LoadEnv(map[string]string{"DATABASE_URL": dbtest.EmptyURL(t)})
	require.NoError(t, err)
	db, err := database.Open(context.Background(), c.Database)
	require.NoError(t, err)
	client, _ := redistest.New(t)

	sqlDB, err := db.DB()
	require.NoError(t, err)
	r := health.NewReadiness(zap.NewNop(), time.Second, health.Postgres(sqlDB), health.Redis(client))
	status, rep := r.Evaluate(context.Background())
	assert.Equal(t, 200, status)
	assert.Equal(t, "ready", rep.Status)

	require.NoError(t, client.Close())
	_, rep = r.Evaluate(context.Background())
	assert.Equal(t, "degraded", rep.Status)

	require.NoError(t, database.Close(db))
	status, rep = r.Evaluate(context.Background())
	assert.Equal(t, 503, status)
	assert.Equal(t, map[string]string{"postgres": "unavailable", "redis": "unavailable"}, rep.Checks)
}

// TestPostgres_DeadIdleConnectionsDoNotFailTheProbe: after the server
// dropped every pooled connection (a restart, a network reset), the first
// probe must already succeed on a new connection instead of reporting the
// dead ones, one probe at a time.
func TestPostgres_DeadIdleConnectionsDoNotFailTheProbe(t *testing.T) {
	t.Parallel()
	url := dbtest.EmptyURL(t)
	c, err := config.LoadEnv(map[string]string{"DATABASE_URL": url})
	require.NoError(t, err)
	db, err := database.Open(context.Background(), c.Database)
	require.NoError(t, err)
	t.Cleanup(func() { _ = database.Close(db) })
	sqlDB, err := db.DB()
	require.NoError(t, err)

	killer, err := database.Open(context.Background(), c.Database)
	require.NoError(t, err)
	t.Cleanup(func() { _ = database.Close(killer) })

	// Fill the pool with idle connections, twice: pgx checks a reused
	// connection only when it sat idle for over a second, so connections
	// used just now (as under load) are handed out unchecked.
	for range 2 {
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = sqlDB.ExecContext(context.Background(), "SELECT pg_sleep(0.1)")
			}()
		}
		wg.Wait()
	}
	require.GreaterOrEqual(t, sqlDB.Stats().Idle, 2)

	// Another session terminates every backend of this database but itself.
	var killed int
	require.NoError(t, killer.Raw(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Row().Scan(&killed))
	require.GreaterOrEqual(t, killed, 2)
	time.Sleep(100 * time.Millisecond)

	r := health.NewReadiness(zap.NewNop(), 2*time.Second, health.Postgres(sqlDB))
	status, rep := r.Evaluate(context.Background())
	assert.Equal(t, 200, status, "%+v", rep)
}
