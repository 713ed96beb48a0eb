package database_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zebralabs/zebra/platform/database"
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
		require.NoError(t, database.Query(ctx, db, func(rows database.Row) error {
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
	err = database.Query(ctx, db, func(database.Row) error { return scanErr }, "SELECT name FROM items")
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
