package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/audit/internal/app/command"
	"github.com/zebralabs/zebra/modules/audit/internal/app/query"
	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
	"github.com/zebralabs/zebra/modules/audit/internal/permission"
	"github.com/zebralabs/zebra/modules/audit/internal/postgres"
	"github.com/zebralabs/zebra/modules/audit/internal/repotest"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/database"
)

func TestRepositoryHasNoWayToChangeOrRemoveEvents(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeOf(&postgres.Store{})
	var methods []string
	for i := range typ.NumMethod() {
		methods = append(methods, typ.Method(i).Name)
	}
	// VacuumQueue only reclaims the queue's dead rows; no method touches
	// an event or a chain position once written.
	assert.Equal(t, []string{"Append", "Head", "Link", "List", "Unchained", "VacuumQueue", "Walk"}, methods)
}

func seed(t *testing.T, db *gorm.DB, n int) (*postgres.Store, []*event.Event) {
	t.Helper()
	store := postgres.NewStore(db)
	var events []*event.Event
	for i := range n {
		e := repotest.NewEvent(t, "activity", fmt.Sprint(i), "system", "activity.created")
		require.NoError(t, store.Append(context.Background(), e))
		events = append(events, e)
	}
	linked, err := store.Link(context.Background())
	require.NoError(t, err)
	require.Equal(t, n, linked)
	return store, events
}

func TestDatabaseRefusesUpdateDeleteTruncate(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	_, events := seed(t, db, 2)
	id := events[0].ID()
	tests := []struct {
		name string
		sql  string
		args []any
	}{
		{"update", "UPDATE audit.events SET actor = 'mallory' WHERE id = ?", []any{id}},
		{"update all", "UPDATE audit.events SET after = NULL", nil},
		{"delete", "DELETE FROM audit.events WHERE id = ?", []any{id}},
		{"truncate", "TRUNCATE audit.events", nil},
		{"update chain", "UPDATE audit.chain SET hash = hash", nil},
		{"delete chain", "DELETE FROM audit.chain", nil},
		{"truncate chain", "TRUNCATE audit.chain", nil},
		{"head backwards", "UPDATE audit.chain_head SET seq = 0", nil},
		{"head delete", "DELETE FROM audit.chain_head", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.Exec(tt.sql, tt.args...).Error
			var pgErr *pgconn.PgError
			require.True(t, errors.As(err, &pgErr), "want a refusal, got %v", err)
			assert.Equal(t, "42501", pgErr.Code)
		})
	}
	var n int
	require.NoError(t, db.Raw("SELECT count(*) FROM audit.events WHERE actor = 'system'").Scan(&n).Error)
	assert.Equal(t, 2, n)
	assert.True(t, verifyDB(t, db).OK)

	var publicCanUpdate bool
	require.NoError(t, db.Raw(`SELECT EXISTS (SELECT 1 FROM information_schema.role_table_grants
		WHERE table_schema = 'audit' AND table_name = 'events' AND grantee = 'PUBLIC'
		AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE'))`).Scan(&publicCanUpdate).Error)
	assert.False(t, publicCanUpdate)
}

func verifyDB(t *testing.T, db *gorm.DB) event.Verification {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.NewPrincipal(uuid.Nil, []auth.Role{auth.RoleAdmin}, permission.Grants))
	got, err := query.NewVerifyChainHandler(postgres.NewStore(db), repotest.Keys).Handle(ctx, query.VerifyChain{})
	require.NoError(t, err)
	return got
}

// tamper runs sql as an attacker with DDL rights would: with the
// append-only triggers disabled for the statement.
func tamper(t *testing.T, db *gorm.DB, sql string, args ...any) {
	t.Helper()
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("ALTER TABLE audit.events DISABLE TRIGGER USER").Error; err != nil {
			return err
		}
		if err := tx.Exec(sql, args...).Error; err != nil {
			return err
		}
		return tx.Exec("ALTER TABLE audit.events ENABLE TRIGGER USER").Error
	})
	require.NoError(t, err)
}

func TestVerificationDetectsTampering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		sql     string
		target  int // index of the row the statement touches
		broken  int // index of the event reported
		checked int64
	}{
		{"edited row", "UPDATE audit.events SET after = '{\"title\":\"forged\"}' WHERE id = ?", 2, 2, 3},
		{"edited actor", "UPDATE audit.events SET actor = 'mallory' WHERE id = ?", 0, 0, 1},
		{"deleted row", "DELETE FROM audit.events WHERE id = ?", 2, 3, 3},
		{"deleted last row", "DELETE FROM audit.events WHERE id = ?", 4, 4, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := newDB(t)
			_, events := seed(t, db, 5)
			require.Equal(t, event.Verification{OK: true, Checked: 5}, verifyDB(t, db))
			tamper(t, db, tt.sql, events[tt.target].ID())
			got := verifyDB(t, db)
			assert.False(t, got.OK)
			assert.Equal(t, events[tt.broken].ID(), got.FirstBroken)
			assert.Equal(t, tt.checked, got.Checked)
		})
	}
}

func TestFiftyConcurrentWritersLeaveOneValidChain(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	uow := database.NewUnitOfWork(db)
	rec := command.NewRecordEventHandler(postgres.Transactor{UnitOfWork: uow}, postgres.NewStore(db), repotest.Keys, time.Now, command.LockAtCommit)
	const writers = 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- uow.Do(context.Background(), func(ctx context.Context) error {
				// Some work of the command before the event, as a real one has.
				if err := database.Conn(ctx, db).Exec("SELECT pg_sleep(0.002)").Error; err != nil {
					return err
				}
				return rec.Record(ctx, auditlog.Event{
					Actor: auditlog.SystemActor, Action: "activity.created", EntityType: "activity",
					EntityID: fmt.Sprint(i), After: map[string]any{"i": i},
				})
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	// The writers never waited for each other: their events are queued
	// for the chainer, which links them all in one pass.
	var queued int
	require.NoError(t, db.Raw("SELECT count(*) FROM audit.unchained").Scan(&queued).Error)
	assert.Equal(t, writers, queued)
	linked, err := postgres.NewStore(db).Link(context.Background())
	require.NoError(t, err)
	assert.Equal(t, writers, linked)
	assert.Equal(t, event.Verification{OK: true, Checked: writers}, verifyDB(t, db))
	var seqs []int64
	require.NoError(t, db.Raw("SELECT seq FROM audit.chain ORDER BY seq").Scan(&seqs).Error)
	want := make([]int64, writers)
	for i := range want {
		want[i] = int64(i + 1)
	}
	assert.Equal(t, want, seqs)
	var ids []uuid.UUID
	require.NoError(t, db.Raw("SELECT id FROM audit.events").Scan(&ids).Error)
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	assert.Len(t, slices.Compact(ids), writers)
}

// adminCtx carries an admin bound to the audit module's grants.
func adminCtx() context.Context {
	return auth.WithPrincipal(context.Background(), auth.NewPrincipal(uuid.Nil, []auth.Role{auth.RoleAdmin}, permission.Grants))
}
