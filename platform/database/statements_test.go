package database_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// TestExecAndQuery_JoinTheUnitOfWork: inside a unit of work the direct
// statements run in its transaction (they see its writes, and a rollback
// takes theirs away); outside one they run on the pool.
func TestExecAndQuery_JoinTheUnitOfWork(t *testing.T) {
	t.Parallel()
	db := uowDB(t)
	ctx := context.Background()
	readNames := func(ctx context.Context) []string {
		var got []string
		require.NoError(t, database.Query(ctx, db, func(rows *sql.Rows) error {
			var n string
			err := rows.Scan(&n)
			got = append(got, n)
			return err
		}, "SELECT name FROM items WHERE id >= $1 ORDER BY id", 0))
		return got
	}

	n, err := database.Exec(ctx, db, "INSERT INTO items (id, name) VALUES ($1, $2), ($3, $4)", 1, "a", 2, "b")
	require.NoError(t, err)
	assert.EqualValues(t, 2, n, "rows affected")
	assert.Equal(t, []string{"a", "b"}, readNames(ctx))

	boom := errors.New("boom")
	err = database.NewUnitOfWork(db).Do(ctx, func(ctx context.Context) error {
		n, err := database.Exec(ctx, db, "UPDATE items SET name = $1 WHERE id = $2", "changed", 1)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Equal(t, []string{"changed", "b"}, readNames(ctx), "the unit of work sees its own write")
		assert.Equal(t, []string{"a", "b"}, readNames(context.Background()), "others do not, before the commit")
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, []string{"a", "b"}, readNames(ctx), "the rollback took the direct write away")

	scanErr := errors.New("scan refused")
	err = database.Query(ctx, db, func(*sql.Rows) error { return scanErr }, "SELECT name FROM items")
	require.ErrorIs(t, err, scanErr)
	s, _ := db.DB()
	assert.Equal(t, 0, s.Stats().InUse, "Query gives its connection back whatever scan returns")
}

func TestTuple(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	database.Tuple(&b, 1, 3)
	b.WriteString(", ")
	database.Tuple(&b, 4, 2)
	assert.Equal(t, "($1, $2, $3), ($4, $5)", b.String())
}

// TestDirectStatementsAreTraced: Exec is traced by the driver like gorm's
// statements: named by its operation, with its text and without its
// values, and a failure's status names the SQLSTATE but not the DETAIL,
// which quotes the values.
func TestDirectStatementsAreTraced(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	db, err := database.Open(context.Background(), testConfig(t, dbtest.EmptyURL(t)), database.WithTracerProvider(tp))
	require.NoError(t, err)
	t.Cleanup(func() { _ = database.Close(db) })
	ctx := context.Background()
	_, err = database.Exec(ctx, db, "CREATE TABLE secrets (v text PRIMARY KEY)")
	require.NoError(t, err)
	_, err = database.Exec(ctx, db, "INSERT INTO secrets (v) VALUES ($1)", "s3cret-value")
	require.NoError(t, err)
	_, err = database.Exec(ctx, db, "INSERT INTO secrets (v) VALUES ($1)", "s3cret-value")
	require.Error(t, err, "duplicate key")

	var inserts []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		for _, a := range s.Attributes() {
			assert.NotContains(t, a.Value.String(), "s3cret-value", "attribute %s of %s", a.Key, s.Name())
		}
		assert.NotContains(t, s.Status().Description, "s3cret-value", "status of %s", s.Name())
		if s.Name() == "INSERT" {
			inserts = append(inserts, s)
		}
	}
	require.Len(t, inserts, 2)
	attrs := map[string]string{}
	for _, a := range inserts[0].Attributes() {
		attrs[string(a.Key)] = a.Value.String()
	}
	assert.Equal(t, "INSERT INTO secrets (v) VALUES ($1)", attrs["db.query.text"])
	assert.Equal(t, "postgresql", attrs["db.system.name"])
	assert.Equal(t, codes.Unset, inserts[0].Status().Code)
	assert.Equal(t, codes.Error, inserts[1].Status().Code)
	assert.True(t, strings.HasPrefix(inserts[1].Status().Description, "23505: duplicate key"), inserts[1].Status().Description)
}
