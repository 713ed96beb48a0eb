package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/audit/internal/app/command"
	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
	"github.com/zebralabs/zebra/modules/audit/internal/postgres"
	"github.com/zebralabs/zebra/modules/audit/internal/repotest"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/database"
)

// TestChainerLinksConcurrentWritersIntoOneChain runs the chainer job as
// `zebra serve` does and 50 audited commands at once: without any call to
// Link, every event ends up in one valid chain, promptly.
func TestChainerLinksConcurrentWritersIntoOneChain(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	store := postgres.NewStore(db)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- postgres.NewChainer(store, zap.NewNop()).Run(ctx) }()
	t.Cleanup(func() { cancel(); <-stopped })

	uow := database.NewUnitOfWork(db)
	rec := command.NewRecordEventHandler(postgres.Transactor{UnitOfWork: uow}, store, repotest.Keys, time.Now, command.LockAtCommit)
	const writers = 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	began := time.Now()
	for i := range writers {
		wg.Go(func() {
			errs <- uow.Do(context.Background(), func(ctx context.Context) error {
				return rec.Record(ctx, auditlog.Event{
					Actor: auditlog.SystemActor, Action: "activity.created", EntityType: "activity",
					EntityID: fmt.Sprint(i), After: map[string]any{"i": i},
				})
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		head, err := store.Head(context.Background())
		return err == nil && head.Seq == writers
	}, 10*time.Second, 5*time.Millisecond, "the chainer did not link every event")
	t.Logf("50 events linked %s after the first write began", time.Since(began).Round(time.Millisecond))
	assert.Equal(t, 0, count(t, db, "audit.unchained"))
	assert.Equal(t, event.Verification{OK: true, Checked: writers}, verifyDB(t, db))
	var seqs []int64
	require.NoError(t, db.Raw("SELECT seq FROM audit.chain ORDER BY seq").Scan(&seqs).Error)
	require.Len(t, seqs, writers)
	for i, seq := range seqs {
		assert.Equal(t, int64(i+1), seq)
	}
}

// TestChainerLinksEventsOfOtherProcesses: as deployed, the API processes
// append and `zebra worker` chains, so no wake reaches the chainer; it
// still links what they commit, idle or not, within its longest wait.
func TestChainerLinksEventsOfOtherProcesses(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- postgres.NewChainer(postgres.NewStore(db), zap.NewNop()).Run(ctx) }()
	t.Cleanup(func() { cancel(); <-stopped })

	api := postgres.NewStore(db) // another process's store: its wakes go nowhere
	uow := database.NewUnitOfWork(db)
	for round := range 2 {
		if round == 1 {
			time.Sleep(1500 * time.Millisecond) // the chainer is idle, at its longest wait
		}
		require.NoError(t, uow.Do(context.Background(), func(ctx context.Context) error {
			return api.Append(ctx, newEvent(t, fmt.Sprint(round)))
		}))
		appended := time.Now()
		require.Eventually(t, func() bool {
			head, err := api.Head(context.Background())
			return err == nil && head.Seq == int64(round+1)
		}, 3*time.Second, 5*time.Millisecond, "round %d: the event was not linked", round)
		t.Logf("round %d: linked %s after its commit", round, time.Since(appended).Round(time.Millisecond))
	}
	assert.Equal(t, event.Verification{OK: true, Checked: 2}, verifyDB(t, db))
}

func TestRolledBackEventsAreNeitherQueuedNorLinked(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	store := postgres.NewStore(db)
	uow := database.NewUnitOfWork(db)
	e := newEvent(t, "1")
	boom := fmt.Errorf("the command failed")
	err := uow.Do(context.Background(), func(ctx context.Context) error {
		require.NoError(t, store.Append(ctx, e))
		return boom
	})
	require.ErrorIs(t, err, boom)
	linked, err := store.Link(context.Background())
	require.NoError(t, err)
	assert.Zero(t, linked)
	assert.Equal(t, 0, count(t, db, "audit.events"))
	assert.Equal(t, 0, count(t, db, "audit.unchained"))
	assert.Equal(t, event.Verification{OK: true}, verifyDB(t, db))
}

// TestVerificationDetectsChainTampering edits and deletes chain rows as an
// attacker with DDL rights would.
func TestVerificationDetectsChainTampering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		sql     string
		target  int // seq - 1 of the row the statement touches
		broken  int // index of the event reported
		checked int64
	}{
		{"edited hash", "UPDATE audit.chain SET hash = sha256('forged') WHERE seq = ?", 1, 1, 2},
		{"deleted link", "DELETE FROM audit.chain WHERE seq = ?", 1, 2, 2},
		{"link removed from the end", "DELETE FROM audit.chain WHERE seq = ?", 4, 4, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := newDB(t)
			_, events := seed(t, db, 5)
			require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
				if err := tx.Exec("ALTER TABLE audit.chain DISABLE TRIGGER USER").Error; err != nil {
					return err
				}
				if err := tx.Exec(tt.sql, tt.target+1).Error; err != nil {
					return err
				}
				return tx.Exec("ALTER TABLE audit.chain ENABLE TRIGGER USER").Error
			}))
			got := verifyDB(t, db)
			assert.False(t, got.OK)
			assert.Equal(t, events[tt.broken].ID(), got.FirstBroken)
			assert.Equal(t, tt.checked, got.Checked)
		})
	}
}

func newEvent(t *testing.T, entityID string) *event.Event {
	t.Helper()
	return repotest.NewEvent(t, "activity", entityID, "system", "activity.created")
}

func count(t *testing.T, db *gorm.DB, table string) int {
	t.Helper()
	var n int
	require.NoError(t, db.Raw("SELECT count(*) FROM "+table).Scan(&n).Error)
	return n
}

// TestVacuumQueueRemovesTheQueuesDeadRows: after linking, the queue's rows
// are dead until a vacuum; VacuumQueue runs one, and the queue keeps its
// pages: truncating them would take a lock every audited write waits
// behind, and the writers would then extend the table again.
//
// The store runs as the audit module's database role, as in the service:
// it owns the queue, which PostgreSQL requires of whoever vacuums it.
func TestVacuumQueueRemovesTheQueuesDeadRows(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	store := postgres.NewStore(openRole(t, db, "audit"))
	uow := database.NewUnitOfWork(openRole(t, db, "audit"))
	for i := range 500 {
		require.NoError(t, uow.Do(context.Background(), func(ctx context.Context) error {
			return store.Append(ctx, newEvent(t, fmt.Sprint(i)))
		}))
	}
	linked, err := store.Link(context.Background())
	require.NoError(t, err)
	require.Equal(t, 500, linked)
	type stats struct {
		Vacuums int64 `gorm:"column:vacuum_count"`
		Dead    int64 `gorm:"column:n_dead_tup"`
	}
	read := func() (s stats) {
		require.NoError(t, db.Raw("SELECT vacuum_count, n_dead_tup FROM pg_stat_user_tables WHERE schemaname = 'audit' AND relname = 'unchained'").Scan(&s).Error)
		return s
	}
	pages := func() (n int) {
		require.NoError(t, db.Raw("SELECT pg_relation_size('audit.unchained') / current_setting('block_size')::int").Scan(&n).Error)
		return n
	}
	before, pagesBefore := read(), pages()
	require.Greater(t, pagesBefore, 1, "500 queued events should fill more than one page")
	require.NoError(t, store.VacuumQueue(context.Background()))
	after := read()
	assert.Equal(t, before.Vacuums+1, after.Vacuums, "no vacuum of audit.unchained was recorded")
	assert.Zero(t, after.Dead, "the vacuum left dead rows in the queue")
	assert.Equal(t, pagesBefore, pages(), "the vacuum truncated the queue (vacuum_truncate should be off)")
}

// TestChainersOfSeveralReplicasTakeTurns: three stores (one per replica)
// link while 60 audited commands commit; the head's row lock makes them
// take turns, so every event is linked once, in one gap-free chain, and no
// chainer fails.
func TestChainersOfSeveralReplicasTakeTurns(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	uow := database.NewUnitOfWork(db)
	writer := postgres.NewStore(db)
	const writers, chainers = 60, 3
	var wg sync.WaitGroup
	errs := make(chan error, writers+chainers)
	done := make(chan struct{})
	for range chainers {
		replica := postgres.NewStore(db)
		wg.Go(func() {
			for {
				if _, err := replica.Link(context.Background()); err != nil {
					errs <- err
					return
				}
				select {
				case <-done:
					return
				default:
				}
			}
		})
	}
	var writes sync.WaitGroup
	for i := range writers {
		writes.Go(func() {
			errs <- uow.Do(context.Background(), func(ctx context.Context) error {
				return writer.Append(ctx, newEvent(t, fmt.Sprint(i)))
			})
		})
	}
	writes.Wait()
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, event.Verification{OK: true, Checked: writers}, verifyDB(t, db))
	var seqs []int64
	require.NoError(t, db.Raw("SELECT seq FROM audit.chain ORDER BY seq").Scan(&seqs).Error)
	require.Len(t, seqs, writers)
	for i, seq := range seqs {
		assert.Equal(t, int64(i+1), seq)
	}
}
