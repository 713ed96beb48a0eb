package audit_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/audit"
	"github.com/zebralabs/zebra/modules/audit/internal/postgres"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/migrate"
	"github.com/zebralabs/zebra/platform/outbox"
	"github.com/zebralabs/zebra/platform/requestid"
)

// wired starts audit.Module over a fresh database, as the app does, and
// returns what it provides publicly; the platform's auditlog.Module turns
// the recorder it contributes into the port. The unit of work is another
// module's ("caller"), on a pool of that module's database role: audit
// events are recorded in the caller's transaction, as the caller's role.
func wired(t *testing.T) (*gorm.DB, *database.UnitOfWork, auditlog.Recorder, audit.Chain) {
	t.Helper()
	db := dbtest.New(t, postgres.Source(), migrate.Source{Owner: "caller", HCL: []byte(`schema "caller" {}`)})
	caller, err := database.OpenRole(context.Background(), db, "caller", 0)
	require.NoError(t, err)
	var (
		rec     auditlog.Recorder
		chain   audit.Chain
		sources []migrate.Source
		routes  []httpserver.Routes
	)
	app := fxtest.New(t,
		fx.Supply(config.Config{}, db, zap.NewNop()),
		fx.Provide(database.NewUnitOfWork),
		auditlog.Module,
		audit.Module,
		fx.Populate(&rec, &chain),
		fx.Invoke(func(in struct {
			fx.In
			Sources []migrate.Source    `group:"schema"`
			Routes  []httpserver.Routes `group:"routes"`
		}) {
			sources, routes = in.Sources, in.Routes
		}),
	)
	app.RequireStart()
	t.Cleanup(app.RequireStop)
	require.Len(t, sources, 1)
	assert.Equal(t, "audit", sources[0].Owner)
	require.Len(t, routes, 1)
	return db, database.NewUnitOfWork(caller), rec, chain
}

func count(t *testing.T, db *gorm.DB, table string) int {
	t.Helper()
	var n int
	require.NoError(t, db.Raw("SELECT count(*) FROM "+table).Scan(&n).Error)
	return n
}

// TestCommandFailingAfterWritingRollsBackAuditAndOutbox is the contract
// every command relies on: the change, its audit event and its outbox
// event commit together or not at all.
func TestCommandFailingAfterWritingRollsBackAuditAndOutbox(t *testing.T) {
	t.Parallel()
	db, uow, rec, chain := wired(t)
	pub := outbox.NewWriter(db, outbox.NewSignal())
	ctx := requestid.With(context.Background(), "req-rollback")
	command := func(fail error) error {
		return uow.Do(ctx, func(ctx context.Context) error {
			if err := rec.Record(ctx, auditlog.Event{
				Actor: "system", Action: "activity.created", EntityType: "activity", EntityID: "a1",
				After: map[string]any{"title": "x", "secret": "never stored"},
			}); err != nil {
				return err
			}
			if err := pub.Publish(ctx, outbox.Event{AggregateType: "activity", AggregateID: "a1", Type: "activity.created"}); err != nil {
				return err
			}
			return fail
		})
	}

	boom := errors.New("the command failed after writing")
	require.ErrorIs(t, command(boom), boom)
	assert.Equal(t, 0, count(t, db, "audit.events"))
	assert.Equal(t, 0, count(t, db, "platform.outbox"))
	var headSeq int
	require.NoError(t, db.Raw("SELECT seq FROM audit.chain_head").Scan(&headSeq).Error)
	assert.Equal(t, 0, headSeq, "the chain did not move")

	require.NoError(t, command(nil))
	assert.Equal(t, 1, count(t, db, "audit.events"))
	assert.Equal(t, 1, count(t, db, "platform.outbox"))
	var rids []string
	require.NoError(t, db.Raw("SELECT request_id FROM audit.events UNION ALL SELECT request_id FROM platform.outbox").Scan(&rids).Error)
	assert.Equal(t, []string{"req-rollback", "req-rollback"}, rids)
	var after string
	require.NoError(t, db.Raw("SELECT after::text FROM audit.events").Scan(&after).Error)
	assert.JSONEq(t, `{"title":"x"}`, after)

	v, err := chain.Verify(context.Background())
	require.NoError(t, err)
	assert.Equal(t, audit.Verification{OK: true, Checked: 1}, v)
}

// TestProductionRefusesToStartWithoutAMACKey: without AUDIT_MAC_KEYS the
// development key would seal events, and anyone can read it in this
// source; APP_ENV=prod does not start.
func TestProductionRefusesToStartWithoutAMACKey(t *testing.T) {
	t.Setenv("AUDIT_MAC_KEYS", "")
	var chain audit.Chain
	app := fx.New(fx.NopLogger,
		fx.Supply(config.Config{Env: config.EnvProd}, dbtest.New(t, postgres.Source()), zap.NewNop()),
		fx.Provide(database.NewUnitOfWork),
		audit.Module,
		fx.Populate(&chain),
	)
	require.Error(t, app.Err())
	assert.Contains(t, app.Err().Error(), "AUDIT_MAC_KEYS")
}
