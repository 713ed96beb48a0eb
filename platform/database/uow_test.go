package database_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// uowDB is a fresh database with one table whose unique constraint is
// checked at commit time, so a test can make COMMIT itself fail.
func uowDB(t *testing.T) *gorm.DB {
	t.Helper()
	db := open(t, testConfig(t, dbtest.EmptyURL(t)))
	require.NoError(t, db.Exec(`CREATE TABLE items (
		id   int PRIMARY KEY,
		name text NOT NULL CONSTRAINT items_name_key UNIQUE DEFERRABLE INITIALLY DEFERRED
	)`).Error)
	return db
}

func insert(ctx context.Context, db *gorm.DB, id int, name string) error {
	return database.Conn(ctx, db).Exec("INSERT INTO items (id, name) VALUES (?, ?)", id, name).Error
}

func count(t *testing.T, db *gorm.DB) int {
	t.Helper()
	var n int
	require.NoError(t, db.Raw("SELECT count(*) FROM items").Row().Scan(&n))
	return n
}

func TestUnitOfWork_CommitsThenRunsHooks(t *testing.T) {
	t.Parallel()
	db := uowDB(t)
	uow := database.NewUnitOfWork(db)
	var seenByHook int

	err := uow.Do(context.Background(), func(ctx context.Context) error {
		assert.True(t, database.InTx(ctx))
		require.NoError(t, insert(ctx, db, 1, "a"))
		require.NoError(t, insert(ctx, db, 2, "b"))
		database.AfterCommit(ctx, func(context.Context) {
			// Another connection: sees the rows only once they are committed.
			seenByHook = count(t, db)
		})
		assert.Equal(t, 0, seenByHook, "hooks wait for the commit")
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 2, count(t, db))
	assert.Equal(t, 2, seenByHook)
}

func TestUnitOfWork_ErrorRollsBackAndSkipsHooks(t *testing.T) {
	t.Parallel()
	db := uowDB(t)
	uow := database.NewUnitOfWork(db)
	boom := errors.New("boom")
	var hooked atomic.Bool

	err := uow.Do(context.Background(), func(ctx context.Context) error {
		require.NoError(t, insert(ctx, db, 1, "a"))
		database.AfterCommit(ctx, func(context.Context) { hooked.Store(true) })
		return boom
	})
	assert.ErrorIs(t, err, boom, "the command's error comes back unchanged")
	assert.Equal(t, 0, count(t, db))
	assert.False(t, hooked.Load())
}

func TestUnitOfWork_PanicRollsBackAndRepanics(t *testing.T) {
	t.Parallel()
	db := uowDB(t)
	uow := database.NewUnitOfWork(db)
	var hooked atomic.Bool

	assert.PanicsWithValue(t, "kaput", func() {
		_ = uow.Do(context.Background(), func(ctx context.Context) error {
			require.NoError(t, insert(ctx, db, 1, "a"))
			database.AfterCommit(ctx, func(context.Context) { hooked.Store(true) })
			panic("kaput")
		})
	})
	assert.Equal(t, 0, count(t, db))
	assert.False(t, hooked.Load())

	sqlDB, err := db.DB()
	require.NoError(t, err)
	assert.Equal(t, 0, sqlDB.Stats().InUse, "the connection went back to the pool")
}

func TestUnitOfWork_FailedCommitIsReturnedNotSwallowed(t *testing.T) {
	t.Parallel()
	db := uowDB(t)
	uow := database.NewUnitOfWork(db)
	var hooked atomic.Bool
	runs := 0

	err := uow.Do(context.Background(), func(ctx context.Context) error {
		runs++
		require.NoError(t, insert(ctx, db, 1, "same"))
		require.NoError(t, insert(ctx, db, 2, "same"), "deferred: checked at COMMIT")
		database.AfterCommit(ctx, func(context.Context) { hooked.Store(true) })
		return nil
	})
	require.Error(t, err)
	assert.True(t, database.IsUniqueViolation(err, "items_name_key"), "got %v", err)
	assert.Equal(t, 0, count(t, db))
	assert.False(t, hooked.Load())
	assert.Equal(t, 1, runs, "fn runs at most once")
}

// TestUnitOfWork_SessionEndedMidwayIsUnavailableAndNotRunAgain: when the
// server ends the session of a transaction after its first statement, the
// transaction is lost: Do answers 503 unavailable, nothing is committed,
// and fn is not run again.
func TestUnitOfWork_SessionEndedMidwayIsUnavailableAndNotRunAgain(t *testing.T) {
	t.Parallel()
	db := uowDB(t)
	uow := database.NewUnitOfWork(db)
	var hooked atomic.Bool
	runs := 0

	err := uow.Do(context.Background(), func(ctx context.Context) error {
		runs++
		database.AfterCommit(ctx, func(context.Context) { hooked.Store(true) })
		require.NoError(t, insert(ctx, db, 1, "a"))
		var pid int
		require.NoError(t, database.Conn(ctx, db).Raw("SELECT pg_backend_pid()").Scan(&pid).Error)
		var ended bool // from another pooled connection: ctx's transaction is not used
		require.NoError(t, db.Raw("SELECT pg_terminate_backend(?, 5000)", pid).Scan(&ended).Error)
		require.True(t, ended)
		return insert(ctx, db, 2, "b")
	})
	assert.Equal(t, apperr.CodeUnavailable, apperr.CodeOf(err), "%v", err)
	assert.Equal(t, 1, runs, "fn runs at most once")
	assert.False(t, hooked.Load())
	assert.Equal(t, 0, count(t, db))
}

func TestUnitOfWork_NestedJoinsTheOuterTransaction(t *testing.T) {
	t.Parallel()
	db := uowDB(t)
	uow := database.NewUnitOfWork(db)
	boom := errors.New("outer fails after inner succeeded")
	var hooks []string

	err := uow.Do(context.Background(), func(ctx context.Context) error {
		require.NoError(t, insert(ctx, db, 1, "outer"))
		err := uow.Do(ctx, func(inner context.Context) error {
			assert.Same(t, database.Conn(ctx, db), database.Conn(inner, db), "same transaction")
			database.AfterCommit(inner, func(context.Context) { hooks = append(hooks, "inner") })
			return insert(inner, db, 2, "inner")
		})
		require.NoError(t, err)
		assert.Empty(t, hooks, "the inner Do does not commit")
		return boom
	})
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, 0, count(t, db), "the inner write rolled back with the outer")
	assert.Empty(t, hooks)

	err = uow.Do(context.Background(), func(ctx context.Context) error {
		database.AfterCommit(ctx, func(context.Context) { hooks = append(hooks, "outer") })
		return uow.Do(ctx, func(inner context.Context) error {
			database.AfterCommit(inner, func(context.Context) { hooks = append(hooks, "inner") })
			return insert(inner, db, 3, "c")
		})
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"outer", "inner"}, hooks, "every hook once, after the one commit, in order")
	assert.Equal(t, 1, count(t, db))
}

func TestUnitOfWork_InnerErrorRollsBackEverything(t *testing.T) {
	t.Parallel()
	db := uowDB(t)
	uow := database.NewUnitOfWork(db)
	boom := errors.New("inner")

	err := uow.Do(context.Background(), func(ctx context.Context) error {
		require.NoError(t, insert(ctx, db, 1, "outer"))
		return uow.Do(ctx, func(inner context.Context) error { return boom })
	})
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, 0, count(t, db))
}

func TestUnitOfWork_HookContextOutlivesTheRequest(t *testing.T) {
	t.Parallel()
	db := uowDB(t)
	uow := database.NewUnitOfWork(db)
	ctx, cancel := context.WithCancel(context.Background())
	var hookErr error

	err := uow.Do(ctx, func(ctx context.Context) error {
		database.AfterCommit(ctx, func(hctx context.Context) { hookErr = hctx.Err() })
		return insert(ctx, db, 1, "a")
	})
	cancel()
	require.NoError(t, err)
	assert.NoError(t, hookErr)
}

func TestUnitOfWork_BeginFailureIsTranslated(t *testing.T) {
	t.Parallel()
	db := uowDB(t)
	uow := database.NewUnitOfWork(db)
	require.NoError(t, database.Close(db))
	called := false

	err := uow.Do(context.Background(), func(context.Context) error { called = true; return nil })
	require.Error(t, err)
	assert.False(t, called)
}

func TestAfterCommit_OutsideAUnitOfWorkRunsAtOnce(t *testing.T) {
	t.Parallel()
	ran := false
	database.AfterCommit(context.Background(), func(context.Context) { ran = true })
	assert.True(t, ran)
	assert.False(t, database.InTx(context.Background()))
}

func TestTranslate(t *testing.T) {
	t.Parallel()
	assert.Nil(t, database.Translate(nil))
	plain := errors.New("plain")
	assert.Same(t, plain, database.Translate(plain))
	e, ok := apperr.As(database.Translate(context.DeadlineExceeded))
	require.True(t, ok)
	assert.Equal(t, apperr.CodeTimeout, e.Code)
}

// backendPID is the server process of db's connection; with a pool of one
// connection, a new one means the old one was closed.
func backendPID(t *testing.T, db *gorm.DB) int {
	t.Helper()
	var pid int
	require.NoError(t, db.Raw("SELECT pg_backend_pid()").Scan(&pid).Error)
	return pid
}

// singleConnUoWDB is uowDB behind a pool of one connection.
func singleConnUoWDB(t *testing.T) *gorm.DB {
	t.Helper()
	cfg := testConfig(t, dbtest.EmptyURL(t))
	cfg.MaxOpenConns, cfg.MaxIdleConns = 1, 1
	db := open(t, cfg)
	require.NoError(t, db.Exec(`CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)`).Error)
	return db
}

// TestUnitOfWork_CallerThatHangsUpDoesNotCutIt: a client that hangs up
// while its command's transaction runs cancels the request's context; the
// unit of work still finishes and commits, and its connection goes back
// to the pool instead of being closed mid-statement by pgx.
func TestUnitOfWork_CallerThatHangsUpDoesNotCutIt(t *testing.T) {
	t.Parallel()
	db := singleConnUoWDB(t)
	uow := database.NewUnitOfWork(db)
	pid := backendPID(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	err := uow.Do(ctx, func(ctx context.Context) error {
		if err := insert(ctx, db, 1, "a"); err != nil {
			return err
		}
		time.AfterFunc(50*time.Millisecond, cancel) // while the next statement runs
		if err := database.Conn(ctx, db).Exec("SELECT pg_sleep(0.3)").Error; err != nil {
			return err
		}
		return insert(ctx, db, 2, "b")
	})
	require.NoError(t, err)
	require.Error(t, ctx.Err())
	assert.Equal(t, 2, count(t, db), "the command committed")
	assert.Equal(t, pid, backendPID(t, db), "the connection was closed")
}

// TestUnitOfWork_CallerGoneBeforeItBeginsGetsNone: a request whose client
// has already hung up starts no transaction.
func TestUnitOfWork_CallerGoneBeforeItBeginsGetsNone(t *testing.T) {
	t.Parallel()
	db := uowDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := database.NewUnitOfWork(db).Do(ctx, func(context.Context) error { called = true; return nil })
	assert.Equal(t, apperr.CodeTimeout, apperr.CodeOf(err), "%v", err)
	assert.False(t, called)
}

// TestUnitOfWork_StalledWorkEndsWithTheCaller: the unit of work keeps its
// caller's deadline, and outlives a cancellation by the grace only: a
// database that does not answer holds neither past them.
func TestUnitOfWork_StalledWorkEndsWithTheCaller(t *testing.T) {
	t.Parallel()
	db := uowDB(t)
	uow := database.NewUnitOfWork(db)
	tests := []struct {
		name   string
		ctx    func() (context.Context, context.CancelFunc)
		within time.Duration
	}{
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 200*time.Millisecond)
		}, time.Second},
		{"cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			return ctx, cancel
		}, 3500 * time.Millisecond}, // finishGrace (2s) after the cancellation
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			err := uow.Do(ctx, func(ctx context.Context) error {
				if err := insert(ctx, db, 1, "a"); err != nil {
					return err
				}
				return database.Conn(ctx, db).Exec("SELECT pg_sleep(30)").Error
			})
			assert.Equal(t, apperr.CodeTimeout, apperr.CodeOf(err), "%v", err)
			assert.Less(t, time.Since(start), tt.within)
			assert.Equal(t, 0, count(t, db))
		})
	}
}
