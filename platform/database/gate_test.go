package database_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// smallPool is a fresh database behind a pool of two connections that
// waits at most 200ms for one, with the given statement_timeout.
func smallPool(t *testing.T, statementTimeout time.Duration) *gorm.DB {
	t.Helper()
	cfg := testConfig(t, dbtest.EmptyURL(t))
	cfg.MaxOpenConns, cfg.MaxIdleConns = 2, 2
	cfg.AcquireTimeout = 200 * time.Millisecond
	cfg.StatementTimeout = statementTimeout
	return open(t, cfg)
}

// hold occupies the pool's connections until the returned function is
// called: one unit of work and one plain statement, each sleeping in
// Postgres.
func hold(t *testing.T, db *gorm.DB) (stop func()) {
	t.Helper()
	uow := database.NewUnitOfWork(db)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	started := make(chan struct{}, 2)
	wg.Go(func() {
		_ = uow.Do(ctx, func(ctx context.Context) error {
			started <- struct{}{}
			return database.Conn(ctx, db).Exec("SELECT pg_sleep(10)").Error
		})
	})
	wg.Go(func() {
		started <- struct{}{}
		_ = db.WithContext(ctx).Exec("SELECT pg_sleep(10)").Error
	})
	<-started
	<-started
	require.Eventually(t, func() bool {
		s, _ := db.DB()
		return s.Stats().InUse == 2
	}, 2*time.Second, 10*time.Millisecond)
	return func() { cancel(); wg.Wait() }
}

func TestPoolExhaustionAnswersUnavailableAfterTheAcquireTimeout(t *testing.T) {
	t.Parallel()
	db := smallPool(t, 30*time.Second)
	stop := hold(t, db)

	tests := []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"plain statement", func(ctx context.Context) error {
			var n int
			return db.WithContext(ctx).Raw("SELECT 1").Scan(&n).Error
		}},
		{"plain write", func(ctx context.Context) error {
			return db.WithContext(ctx).Exec("SELECT 1").Error
		}},
		{"unit of work", func(ctx context.Context) error {
			return database.NewUnitOfWork(db).Do(ctx, func(ctx context.Context) error {
				return database.Conn(ctx, db).Exec("SELECT 1").Error
			})
		}},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		start := time.Now()
		err := tt.run(ctx)
		elapsed := time.Since(start)
		cancel()
		assert.Equal(t, apperr.CodeUnavailable, apperr.CodeOf(err), "%s: %v", tt.name, err)
		assert.True(t, errors.Is(err, database.ErrPoolExhausted), "%s: %v", tt.name, err)
		assert.GreaterOrEqual(t, elapsed, 180*time.Millisecond, tt.name)
		assert.Less(t, elapsed, time.Second, "%s waited %s, not the acquire timeout", tt.name, elapsed)
	}

	stop()
	var n int
	require.NoError(t, db.Raw("SELECT 1").Scan(&n).Error, "the pool does not recover once connections are free")
	s, _ := db.DB()
	assert.Equal(t, 0, s.Stats().InUse)
}

func TestWaitForAConnectionEndsWithTheRequestDeadline(t *testing.T) {
	t.Parallel()
	db := smallPool(t, 30*time.Second)
	stop := hold(t, db)
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var n int
	err := db.WithContext(ctx).Raw("SELECT 1").Scan(&n).Error
	assert.Equal(t, apperr.CodeTimeout, apperr.CodeOf(err), "%v", err)
}

func TestSlowStatementTimesOutAndFreesItsConnection(t *testing.T) {
	t.Parallel()
	db := smallPool(t, 300*time.Millisecond)
	tests := []struct {
		name     string
		deadline time.Duration
		within   time.Duration
	}{
		{"request deadline", 150 * time.Millisecond, time.Second},
		{"statement_timeout", 30 * time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		// More slow statements than connections: each must give its
		// connection back, or the later ones would wait for the pool.
		for range 3 {
			ctx, cancel := context.WithTimeout(context.Background(), tt.deadline)
			start := time.Now()
			err := database.Translate(db.WithContext(ctx).Exec("SELECT pg_sleep(20)").Error)
			cancel()
			assert.Equal(t, apperr.CodeTimeout, apperr.CodeOf(err), "%s: %v", tt.name, err)
			assert.Less(t, time.Since(start), tt.within, tt.name)
		}
	}
	require.Eventually(t, func() bool {
		s, _ := db.DB()
		return s.Stats().InUse == 0
	}, 2*time.Second, 10*time.Millisecond, "connections still in use after the timeouts")
	var n int
	require.NoError(t, db.Raw("SELECT 1").Scan(&n).Error)
	assert.Equal(t, 1, n)
}

// TestUnstorableTextIsABadRequest: a NUL character that reaches Postgres
// (22021) is the client's bad input, not a 500.
func TestUnstorableTextIsABadRequest(t *testing.T) {
	t.Parallel()
	db := open(t, testConfig(t, dbtest.EmptyURL(t)))
	err := database.Translate(db.Exec("SELECT ?::text", "a\x00b").Error)
	assert.Equal(t, apperr.CodeBadRequest, apperr.CodeOf(err), "%v", err)
}

// TestLostConnectionsAreUnavailable: a connection that breaks mid-way
// (reset, EOF) is a dependency failure, 503, not a 500.
func TestLostConnectionsAreUnavailable(t *testing.T) {
	t.Parallel()
	for _, err := range []error{io.ErrUnexpectedEOF, io.EOF, pgconn.ErrConnClosed, driver.ErrBadConn, sql.ErrConnDone} {
		got := database.Translate(fmt.Errorf("insert row: %w", err))
		assert.Equal(t, apperr.CodeUnavailable, apperr.CodeOf(got), "%v", err)
	}
}
