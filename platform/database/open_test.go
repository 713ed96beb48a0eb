package database_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// testConfig is the platform's default pool configuration pointed at url.
func testConfig(t *testing.T, url string) config.Database {
	t.Helper()
	c, err := config.LoadEnv(map[string]string{"DATABASE_URL": url})
	require.NoError(t, err)
	return c.Database
}

func open(t *testing.T, cfg config.Database) *gorm.DB {
	t.Helper()
	db, err := database.Open(context.Background(), cfg, database.WithApplicationName("zebra-test"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = database.Close(db) })
	return db
}

func TestOpen_SessionSettingsAndPool(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, dbtest.EmptyURL(t))
	cfg.StatementTimeout = 1234 * time.Millisecond
	cfg.MaxOpenConns = 3
	db := open(t, cfg)

	var timeout, appName, tz string
	require.NoError(t, db.Raw("SELECT current_setting('statement_timeout'), current_setting('application_name'), current_setting('TimeZone')").Row().Scan(&timeout, &appName, &tz))
	assert.Equal(t, "1234ms", timeout)
	assert.Equal(t, "zebra-test", appName)
	assert.Equal(t, "UTC", tz)

	sqlDB, err := db.DB()
	require.NoError(t, err)
	assert.Equal(t, 3, sqlDB.Stats().MaxOpenConnections)
}

func TestOpen_StatementTimeoutCancelsSlowStatements(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, dbtest.EmptyURL(t))
	cfg.StatementTimeout = 100 * time.Millisecond
	db := open(t, cfg)

	start := time.Now()
	err := db.Exec("SELECT pg_sleep(2)").Error
	require.Error(t, err)
	assert.Less(t, time.Since(start), time.Second)
	e, ok := apperr.As(database.Translate(err))
	require.True(t, ok, "translated: %v", err)
	assert.Equal(t, apperr.CodeTimeout, e.Code)
}

func TestOpen_PreparesStatements(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, dbtest.EmptyURL(t))
	cfg.MaxOpenConns = 1 // every statement on the same session
	db := open(t, cfg)

	var n int
	require.NoError(t, db.Raw("SELECT 1 + ?", 41).Row().Scan(&n))
	require.Equal(t, 42, n)
	var prepared int
	require.NoError(t, db.Raw("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT 1 + $1%'").Row().Scan(&prepared))
	assert.Equal(t, 1, prepared, "pgx prepared and cached the statement on its connection")
}

func TestOpen_UnreachableServerIsOneClearLine(t *testing.T) {
	t.Parallel()
	port := closedPort(t)
	cfg := testConfig(t, fmt.Sprintf("postgres://postgres:pw@127.0.0.1:%d/zebra?sslmode=disable", port))
	cfg.ConnectTimeout = time.Second

	_, err := database.Open(context.Background(), cfg)
	require.Error(t, err)
	var unreachable *database.UnreachableError
	require.ErrorAs(t, err, &unreachable)
	assert.Equal(t, fmt.Sprintf("cannot reach PostgreSQL at postgres://postgres@127.0.0.1:%d/zebra (is it running? try: make up)", port), err.Error())
}

func TestOpen_SilentServerTimesOut(t *testing.T) {
	t.Parallel()
	// A listener that accepts and never answers: the connect timeout, not
	// the kernel, ends the wait.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	cfg := testConfig(t, "postgres://postgres@"+ln.Addr().String()+"/zebra?sslmode=disable")
	cfg.ConnectTimeout = 300 * time.Millisecond

	start := time.Now()
	_, err = database.Open(context.Background(), cfg)
	var unreachable *database.UnreachableError
	require.ErrorAs(t, err, &unreachable)
	assert.Less(t, time.Since(start), 3*time.Second)
}

func TestOpen_MissingDatabaseSaysHowToCreateIt(t *testing.T) {
	t.Parallel()
	url := dbtest.EmptyURL(t)
	missing := strings.Replace(url, "/zt_", "/zt_missing_", 1)
	_, err := database.Open(context.Background(), testConfig(t, missing))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not exist (create it and its tables with: zebra schema apply, or make run)")
	assert.NotContains(t, err.Error(), "\n")
}

func TestRegisterMetrics_ExportsPoolStats(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, dbtest.EmptyURL(t))
	cfg.MaxOpenConns = 5
	db := open(t, cfg)
	reg := prometheus.NewRegistry()
	require.NoError(t, database.RegisterMetrics(reg, db, "zebra"))

	families, err := reg.Gather()
	require.NoError(t, err)
	values := map[string]float64{}
	for _, f := range families {
		values[f.GetName()] = f.GetMetric()[0].GetGauge().GetValue()
		assert.Equal(t, "zebra", f.GetMetric()[0].GetLabel()[0].GetValue())
	}
	assert.Equal(t, 5.0, values["go_sql_max_open_connections"])
	assert.Contains(t, values, "go_sql_in_use_connections")
	assert.Contains(t, values, "go_sql_wait_count_total")
}

func TestDisplayURL_HidesPasswordAndParameters(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "postgres://app@db.internal:6543/zebra", database.DisplayURL("postgres://app:pw@db.internal:6543/zebra?sslmode=require&password=x"))
	assert.Equal(t, "postgres://app@h:5432/d", database.DisplayURL("host=h user=app password=pw dbname=d"))
}

func TestEnsureExists_CreatesOnceThenIsANoOp(t *testing.T) {
	t.Parallel()
	base := dbtest.EmptyURL(t) // a name of our own on the test server
	url := strings.Replace(base, "/zt_", "/zt_ensure_", 1)
	t.Cleanup(func() { dropDatabase(t, url) })

	created, err := database.EnsureExists(context.Background(), url)
	require.NoError(t, err)
	assert.True(t, created)

	created, err = database.EnsureExists(context.Background(), url)
	require.NoError(t, err)
	assert.False(t, created)

	db := open(t, testConfig(t, url))
	require.NoError(t, db.Exec("SELECT 1").Error)
	require.NoError(t, database.Close(db))
}

func TestEnsureExists_UnreachableServer(t *testing.T) {
	t.Parallel()
	port := closedPort(t)
	_, err := database.EnsureExists(context.Background(), fmt.Sprintf("postgres://postgres@127.0.0.1:%d/zebra?connect_timeout=1", port))
	assert.EqualError(t, err, fmt.Sprintf("cannot reach PostgreSQL at postgres://postgres@127.0.0.1:%d/postgres (is it running? try: make up)", port))
}

// closedPort returns a TCP port on 127.0.0.1 that nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return port
}

func dropDatabase(t *testing.T, url string) {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	require.NoError(t, err)
	name := cfg.Database
	cfg.Database = "postgres"
	ctx := context.Background()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	assert.NoError(t, err)
}

// TestOpenProbe_AnswersWhileThePoolIsExhausted: readiness probes through
// their own connection, so a replica whose request pool is all busy still
// reports its database as reachable.
func TestOpenProbe_AnswersWhileThePoolIsExhausted(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, dbtest.EmptyURL(t))
	cfg.MaxOpenConns, cfg.MaxIdleConns = 1, 1
	db := open(t, cfg)
	tx := db.Begin() // holds the pool's only connection
	require.NoError(t, tx.Error)
	t.Cleanup(func() { tx.Rollback() })

	busy, cancelBusy := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancelBusy()
	err := db.WithContext(busy).Exec("SELECT 1").Error
	require.Error(t, err, "the request pool should be exhausted")

	probe, err := database.OpenProbe(cfg, "zebra-test")
	require.NoError(t, err)
	t.Cleanup(func() { _ = probe.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = probe.ExecContext(ctx, "SELECT 1")
	require.NoError(t, err)
}
