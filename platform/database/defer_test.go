package database_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/zebralabs/zebra/platform/database"
)

// TestDefer_RidesWithTheCommit: a deferred statement commits with the unit
// of work, and a rollback takes it away.
func TestDefer_RidesWithTheCommit(t *testing.T) {
	t.Parallel()
	db := uowDB(t)
	ctx := context.Background()
	uow := database.NewUnitOfWork(db)

	err := uow.Do(ctx, func(ctx context.Context) error {
		require.NoError(t, database.Defer(ctx, db, "INSERT INTO items (id, name) VALUES ($1, $2)", 1, "a"))
		require.NoError(t, database.Defer(ctx, db, "INSERT INTO items (id, name) VALUES ($1, $2)", 2, "b"))
		assert.Equal(t, 0, count(t, db), "nothing is visible before the commit")
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 2, count(t, db))

	boom := errors.New("boom")
	err = uow.Do(ctx, func(ctx context.Context) error {
		require.NoError(t, database.Defer(ctx, db, "INSERT INTO items (id, name) VALUES ($1, $2)", 3, "c"))
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, 2, count(t, db), "a rolled-back unit of work drops what it deferred")

	// The connection that dropped them is clean for the next unit of work.
	require.NoError(t, uow.Do(ctx, func(ctx context.Context) error {
		_, err := database.Exec(ctx, db, "INSERT INTO items (id, name) VALUES ($1, $2)", 4, "d")
		return err
	}))
	assert.Equal(t, 3, count(t, db))
}

// TestDefer_StatementsAfterItSeeItsWrites: a statement made after a
// deferred one, in the same unit of work, runs after it, whether it writes
// (sent in the same round trip) or reads (the deferred ones go first).
func TestDefer_StatementsAfterItSeeItsWrites(t *testing.T) {
	t.Parallel()
	db := uowDB(t)
	ctx := context.Background()
	var names []string
	err := database.NewUnitOfWork(db).Do(ctx, func(ctx context.Context) error {
		require.NoError(t, database.Defer(ctx, db, "INSERT INTO items (id, name) VALUES ($1, $2)", 1, "a"))
		n, err := database.Exec(ctx, db, "UPDATE items SET name = name || '+' WHERE id = $1", 1)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n, "the update ran after the deferred insert, in one batch, and reports its own count")
		require.NoError(t, database.Defer(ctx, db, "INSERT INTO items (id, name) VALUES ($1, $2)", 2, "b"))
		return database.Conn(ctx, db).Raw("SELECT name FROM items ORDER BY id").Scan(&names).Error
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"a+", "b"}, names)
}

// TestDefer_AFailureFailsTheCommitAndRollsBack: a deferred statement that
// fails fails the unit of work with its own error, for its caller to
// translate, and nothing of the unit of work commits.
func TestDefer_AFailureFailsTheCommitAndRollsBack(t *testing.T) {
	t.Parallel()
	db := uowDB(t)
	ctx := context.Background()
	require.NoError(t, insert(ctx, db, 1, "a"))

	err := database.NewUnitOfWork(db).Do(ctx, func(ctx context.Context) error {
		_, err := database.Exec(ctx, db, "INSERT INTO items (id, name) VALUES ($1, $2)", 2, "b")
		require.NoError(t, err)
		return database.Defer(ctx, db, "INSERT INTO items (id, name) VALUES ($1, $2)", 1, "duplicate id")
	})
	require.Error(t, err)
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	assert.Equal(t, "23505", pgErr.Code, "the deferred statement's own error")
	assert.Equal(t, 1, count(t, db), "the statement before it rolled back too")

	// A failure sent with a later statement fails that statement.
	err = database.NewUnitOfWork(db).Do(ctx, func(ctx context.Context) error {
		require.NoError(t, database.Defer(ctx, db, "INSERT INTO items (id, name) VALUES ($1, $2)", 1, "duplicate id"))
		_, err := database.Exec(ctx, db, "INSERT INTO items (id, name) VALUES ($1, $2)", 3, "c")
		return err
	})
	require.ErrorAs(t, err, &pgErr)
	assert.Equal(t, 1, count(t, db))

	// And the pool's connections are usable afterwards.
	require.NoError(t, database.NewUnitOfWork(db).Do(ctx, func(ctx context.Context) error {
		return database.Defer(ctx, db, "INSERT INTO items (id, name) VALUES ($1, $2)", 5, "e")
	}))
	assert.Equal(t, 2, count(t, db))
}

// TestDefer_OutsideAUnitOfWorkRunsAtOnce: with no transaction to ride
// with, the statement is sent and committed when it is made.
func TestDefer_OutsideAUnitOfWorkRunsAtOnce(t *testing.T) {
	t.Parallel()
	db := uowDB(t)
	require.NoError(t, database.Defer(context.Background(), db, "INSERT INTO items (id, name) VALUES ($1, $2)", 1, "a"))
	assert.Equal(t, 1, count(t, db))
}

// TestDefer_BatchesAreTraced: the statements a batch carried are spans,
// with their text and without their values, under the batch's.
func TestDefer_BatchesAreTraced(t *testing.T) {
	t.Parallel()
	db, rec := tracedDB(t, "CREATE TABLE deferred (v text PRIMARY KEY)")
	ctx := context.Background()
	require.NoError(t, database.NewUnitOfWork(db).Do(ctx, func(ctx context.Context) error {
		return database.Defer(ctx, db, "INSERT INTO deferred (v) VALUES ($1)", "s3cret-value")
	}))
	var batch sdktrace.ReadOnlySpan
	children := map[string]string{}
	for _, s := range rec.Ended() {
		if s.Name() == "BATCH" {
			batch = s
		}
		for _, a := range s.Attributes() {
			assert.NotContains(t, a.Value.String(), "s3cret-value", "attribute %s", a.Key)
			if a.Key == "db.query.text" {
				children[a.Value.AsString()] = s.Name()
			}
		}
	}
	require.NotNil(t, batch, "a BATCH span")
	assert.Equal(t, "INSERT", children["INSERT INTO deferred (v) VALUES ($1)"], "spans: %v", children)
	assert.Equal(t, "COMMIT", children["commit"], "spans: %v", children)
}
