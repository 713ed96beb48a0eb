package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/audit/internal/postgres"
	"github.com/zebralabs/zebra/modules/audit/internal/repotest"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/migrate"
)

func newDB(t *testing.T) *gorm.DB {
	t.Helper()
	return dbtest.New(t, postgres.Source())
}

func TestContract(t *testing.T) {
	t.Parallel()
	repotest.Run(t, func(t *testing.T) (repotest.Store, repotest.InTx) {
		db := newDB(t)
		return postgres.NewStore(db), database.NewUnitOfWork(db).Do
	})
}

// TestContractAsTheModulesRoles runs the contract as the service does:
// the store on the audit module's database role, events appended in the
// transaction of another module's role.
func TestContractAsTheModulesRoles(t *testing.T) {
	t.Parallel()
	repotest.Run(t, func(t *testing.T) (repotest.Store, repotest.InTx) {
		db := dbtest.New(t, postgres.Source(), callerSource)
		return postgres.NewStore(openRole(t, db, "audit")), database.NewUnitOfWork(openRole(t, db, "caller")).Do
	})
}

// callerSource is a module without tables whose role stands for any
// module recording audit events.
var callerSource = migrate.Source{Owner: "caller", HCL: []byte(`schema "caller" {}`)}

// openRole opens the pool of module's database role beside db.
func openRole(t *testing.T, db *gorm.DB, module string) *gorm.DB {
	t.Helper()
	role, err := database.OpenRole(context.Background(), db, module, 0)
	require.NoError(t, err)
	return role
}

func TestSchemaPlansNothingAfterApply(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	var n int
	require.NoError(t, db.Raw("SELECT count(*) FROM audit.chain_head").Scan(&n).Error)
	require.Equal(t, 1, n)
	sqlDB, err := db.DB()
	require.NoError(t, err)
	changes, err := migrate.Changes(context.Background(), sqlDB, []migrate.Source{migrate.PlatformSource(), postgres.Source()})
	require.NoError(t, err)
	require.Empty(t, changes)
	// PostSQL is idempotent: applying again changes nothing and keeps one head row.
	_, err = migrate.Apply(context.Background(), sqlDB, []migrate.Source{migrate.PlatformSource(), postgres.Source()}, migrate.Options{})
	require.NoError(t, err)
	require.NoError(t, db.Raw("SELECT count(*) FROM audit.chain_head").Scan(&n).Error)
	require.Equal(t, 1, n)
}
