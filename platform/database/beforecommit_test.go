package database_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
)

func TestBeforeCommit(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	require.NoError(t, db.Exec("CREATE TABLE hook_log (step text NOT NULL)").Error)
	uow := database.NewUnitOfWork(db)
	insert := func(step string) func(context.Context) error {
		return func(ctx context.Context) error {
			return database.Conn(ctx, db).Exec("INSERT INTO hook_log VALUES (?)", step).Error
		}
	}
	steps := func() []string {
		var out []string
		require.NoError(t, db.Raw("SELECT step FROM hook_log").Scan(&out).Error)
		require.NoError(t, db.Exec("DELETE FROM hook_log").Error)
		return out
	}
	boom := errors.New("boom")

	t.Run("runs in the transaction after fn, before commit, in order", func(t *testing.T) {
		var afterSaw []string
		err := uow.Do(context.Background(), func(ctx context.Context) error {
			require.NoError(t, database.BeforeCommit(ctx, insert("hook1")))
			require.NoError(t, database.BeforeCommit(ctx, func(ctx context.Context) error {
				assert.True(t, database.InTx(ctx))
				// A hook may register another one.
				return database.BeforeCommit(ctx, insert("hook3"))
			}))
			require.NoError(t, database.BeforeCommit(ctx, insert("hook2")))
			database.AfterCommit(ctx, func(context.Context) {
				require.NoError(t, db.Raw("SELECT step FROM hook_log").Scan(&afterSaw).Error)
			})
			return insert("fn")(ctx)
		})
		require.NoError(t, err)
		assert.Equal(t, []string{"fn", "hook1", "hook2", "hook3"}, afterSaw)
		assert.Equal(t, []string{"fn", "hook1", "hook2", "hook3"}, steps())
	})

	t.Run("a failing hook rolls everything back", func(t *testing.T) {
		ran := false
		err := uow.Do(context.Background(), func(ctx context.Context) error {
			require.NoError(t, database.BeforeCommit(ctx, insert("hook")))
			require.NoError(t, database.BeforeCommit(ctx, func(context.Context) error { return boom }))
			database.AfterCommit(ctx, func(context.Context) { ran = true })
			return insert("fn")(ctx)
		})
		assert.ErrorIs(t, err, boom)
		assert.False(t, ran)
		assert.Empty(t, steps())
	})

	t.Run("a failing command does not run its hooks", func(t *testing.T) {
		ran := false
		err := uow.Do(context.Background(), func(ctx context.Context) error {
			require.NoError(t, database.BeforeCommit(ctx, func(context.Context) error { ran = true; return nil }))
			return boom
		})
		assert.ErrorIs(t, err, boom)
		assert.False(t, ran)
	})

	t.Run("nested units register on the outer transaction", func(t *testing.T) {
		err := uow.Do(context.Background(), func(ctx context.Context) error {
			return uow.Do(ctx, func(ctx context.Context) error {
				return database.BeforeCommit(ctx, insert("inner-hook"))
			})
		})
		require.NoError(t, err)
		assert.Equal(t, []string{"inner-hook"}, steps())
	})

	t.Run("outside a unit of work the hook runs at once", func(t *testing.T) {
		err := database.BeforeCommit(context.Background(), func(ctx context.Context) error {
			assert.False(t, database.InTx(ctx))
			return boom
		})
		assert.ErrorIs(t, err, boom)
	})
}
