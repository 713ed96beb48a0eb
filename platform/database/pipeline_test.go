package database_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/database"
)

// roundTrips returns the round trips the spans recorded since from stand
// for, in order: a statement's name, or a batch's statements joined by +.
func roundTrips(rec *tracetest.SpanRecorder, from int) []string {
	spans := rec.Ended()[from:]
	slices.SortFunc(spans, func(a, b sdktrace.ReadOnlySpan) int { return a.StartTime().Compare(b.StartTime()) })
	var trips []string
	for _, s := range spans {
		if s.Parent().IsValid() {
			continue // a statement of a batch
		}
		name := s.Name()
		if name == "BATCH" {
			var stmts []string
			for _, c := range spans {
				if c.Parent().SpanID() == s.SpanContext().SpanID() {
					stmts = append(stmts, c.Name())
				}
			}
			name = strings.Join(stmts, "+")
		}
		trips = append(trips, name)
	}
	return trips
}

// TestBegin_RidesWithTheFirstStatement: a unit of work sends BEGIN in the
// round trip of its first statement, a query made through Query included,
// along with what it deferred; and a unit of work that sends nothing costs
// no round trip.
func TestBegin_RidesWithTheFirstStatement(t *testing.T) {
	t.Parallel()
	db, rec := tracedDB(t, "CREATE TABLE rides (v int)")
	ctx := context.Background()
	uow := database.NewUnitOfWork(db)
	trips := func(fn func(ctx context.Context) error) ([]string, error) {
		from := len(rec.Ended())
		err := uow.Do(ctx, fn)
		return roundTrips(rec, from), err
	}

	got, err := trips(func(ctx context.Context) error {
		_, err := database.Exec(ctx, db, "INSERT INTO rides (v) VALUES ($1)", 1)
		return err
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"BEGIN+INSERT", "COMMIT"}, got, "an Exec first")

	var seen []int
	got, err = trips(func(ctx context.Context) error {
		if err := database.Defer(ctx, db, "INSERT INTO rides (v) VALUES ($1)", 2); err != nil {
			return err
		}
		return database.Query(ctx, db, func(r database.Row) error {
			var v int
			err := r.Scan(&v)
			seen = append(seen, v)
			return err
		}, "SELECT v FROM rides ORDER BY v")
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"BEGIN+INSERT+SELECT", "COMMIT"}, got, "a deferred statement, then a query")
	assert.Equal(t, []int{1, 2}, seen, "the query saw the deferred insert")

	got, err = trips(func(ctx context.Context) error {
		return database.Defer(ctx, db, "INSERT INTO rides (v) VALUES ($1)", 3)
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"BEGIN+INSERT+COMMIT"}, got, "deferred statements only")

	got, err = trips(func(context.Context) error { return nil })
	require.NoError(t, err)
	assert.Empty(t, got, "a unit of work that sends nothing")

	boom := errors.New("boom")
	got, err = trips(func(ctx context.Context) error {
		if _, err := database.Exec(ctx, db, "INSERT INTO rides (v) VALUES ($1)", 4); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, []string{"BEGIN+INSERT", "ROLLBACK"}, got, "a rollback after a statement")

	got, err = trips(func(ctx context.Context) error {
		require.NoError(t, database.Defer(ctx, db, "INSERT INTO rides (v) VALUES ($1)", 5))
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Empty(t, got, "a rollback before anything was sent")

	var vs []int
	require.NoError(t, db.Raw("SELECT v FROM rides ORDER BY v").Scan(&vs).Error)
	assert.Equal(t, []int{1, 2, 3}, vs, "what committed, and only that")
}

// TestTransactionsWithOptionsKeepThem: a transaction with an isolation
// level or read-only (gorm's Transaction with sql.TxOptions) begins with
// its options, as pgx begins it, and still carries deferred statements.
func TestTransactionsWithOptionsKeepThem(t *testing.T) {
	t.Parallel()
	db := uowDB(t)
	var level string
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
		return tx.Raw("SHOW transaction_isolation").Scan(&level).Error
	}, &sql.TxOptions{Isolation: sql.LevelSerializable}))
	assert.Equal(t, "serializable", level)

	err := db.Transaction(func(tx *gorm.DB) error {
		return tx.Exec("INSERT INTO items (id, name) VALUES (1, 'a')").Error
	}, &sql.TxOptions{ReadOnly: true})
	require.Error(t, err, "a read-only transaction refuses a write")
	assert.Equal(t, 0, count(t, db))
}
