package database_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/migrate"
)

func TestRoleName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ database, module, want string }{
		{"zebra", "activities", "zebra_activities"},
		{"Zebra-Prod", "audit", "zebra_prod_audit"},
		{"zt_database_testroles_0123456789ab", "identity", "zt_database_tes_" + hashPrefix("zt_database_testroles_0123456789ab") + "_identity"},
		{"---", "orders", "db_" + hashPrefix("---") + "_orders"},
	} {
		got, err := database.RoleName(c.database, c.module)
		require.NoError(t, err)
		assert.Equal(t, c.want, got, "RoleName(%q, %q)", c.database, c.module)
		assert.LessOrEqual(t, len(got), 63)
		assert.True(t, strings.HasPrefix(got, database.RolePrefix(c.database)+"_"))
	}
	for _, module := range []string{"", "Orders", "or-ders", "1orders", strings.Repeat("m", 39)} {
		_, err := database.RoleName("zebra", module)
		assert.Error(t, err, "module %q", module)
	}
	// Long names that differ only after their first 15 bytes still get
	// roles of their own.
	assert.NotEqual(t, database.RolePrefix("zt_database_testroles_a"+strings.Repeat("x", 20)),
		database.RolePrefix("zt_database_testroles_b"+strings.Repeat("x", 20)))
}

// hashPrefix is the 8 hex digits RolePrefix appends to a shortened name.
func hashPrefix(name string) string {
	p := database.RolePrefix(name)
	return p[strings.LastIndex(p, "_")+1:]
}

// Two modules, each with a table, as `zebra schema apply` gives them their
// roles: alpha's statements must not read beta's table.
const (
	alphaHCL = `
schema "alpha" {}
table "things" {
  schema = schema.alpha
  column "id" {
    type = int
  }
  primary_key {
    columns = [column.id]
  }
}
`
	betaHCL = `
schema "beta" {}
table "secrets" {
  schema = schema.beta
  column "id" {
    type = int
  }
  column "value" {
    type = text
  }
  primary_key {
    columns = [column.id]
  }
}
`
)

func rolesDB(t *testing.T) *gorm.DB {
	t.Helper()
	return dbtest.New(t,
		migrate.Source{Owner: "alpha", HCL: []byte(alphaHCL)},
		migrate.Source{Owner: "beta", HCL: []byte(betaHCL)})
}

func openRole(t *testing.T, parent *gorm.DB, module string) *gorm.DB {
	t.Helper()
	db, err := database.OpenRole(context.Background(), parent, module, 0)
	require.NoError(t, err)
	return db
}

func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// TestOpenRole_AModuleCannotReadAnotherModulesTables is the boundary at
// the database: alpha's pool works with its own table and the platform's
// shared ones, and PostgreSQL refuses it beta's table and the platform's
// rows it was not granted.
func TestOpenRole_AModuleCannotReadAnotherModulesTables(t *testing.T) {
	t.Parallel()
	parent := rolesDB(t)
	require.NoError(t, parent.Exec(`INSERT INTO beta.secrets VALUES (1, 'beta only')`).Error)
	alpha := openRole(t, parent, "alpha")
	ctx := context.Background()

	var name string
	require.NoError(t, parent.Raw("SELECT current_database()").Scan(&name).Error)
	want, err := database.RoleName(name, "alpha")
	require.NoError(t, err)
	var user, session string
	require.NoError(t, alpha.Raw("SELECT current_user, session_user").Row().Scan(&user, &session))
	assert.Equal(t, want, user, "the session runs as the module's role")
	assert.Equal(t, want, database.RoleOf(alpha))
	assert.Empty(t, database.RoleOf(parent))

	// Its own table: read and write.
	require.NoError(t, alpha.Exec(`INSERT INTO alpha.things VALUES (1)`).Error)
	var n int
	require.NoError(t, alpha.Raw(`SELECT count(*) FROM alpha.things`).Scan(&n).Error)
	assert.Equal(t, 1, n)

	// Another module's table: refused, whatever the statement.
	for _, q := range []string{
		`SELECT value FROM beta.secrets`,
		`SELECT count(*) FROM beta.secrets`,
		`UPDATE beta.secrets SET value = 'x'`,
		`DELETE FROM beta.secrets`,
		`INSERT INTO beta.secrets VALUES (2, 'y')`,
	} {
		err := alpha.WithContext(ctx).Exec(q).Error
		assert.Equal(t, "42501", pgCode(err), "%s: %v", q, err)
	}
	// RESET ROLE returns to the role the session started as.
	require.NoError(t, alpha.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("RESET ROLE").Error; err != nil {
			return err
		}
		return tx.Raw("SELECT current_user").Scan(&user).Error
	}))
	assert.Equal(t, want, user)

	// The platform's tables: an outbox row may be added, not read.
	require.NoError(t, alpha.Exec(`INSERT INTO platform.outbox (id, aggregate_type, aggregate_id, event_type, payload)
		VALUES (gen_random_uuid(), 'thing', '1', 'thing.created', '{}')`).Error)
	assert.Equal(t, "42501", pgCode(alpha.Exec(`SELECT payload FROM platform.outbox`).Error))
	// An idempotency outcome may be completed, and nobody's response read.
	require.NoError(t, parent.Exec(`INSERT INTO platform.idempotency_keys (scope, key, fingerprint, locked_at)
		VALUES ('user:1', 'k', 'fp', now())`).Error)
	res := alpha.Exec(`UPDATE platform.idempotency_keys SET state = 'completed', response_status = 201
		WHERE scope = 'user:1' AND key = 'k' AND state = 'started'`)
	require.NoError(t, res.Error)
	assert.EqualValues(t, 1, res.RowsAffected)
	assert.Equal(t, "42501", pgCode(alpha.Exec(`SELECT response_body FROM platform.idempotency_keys`).Error))
	assert.Equal(t, "42501", pgCode(alpha.Exec(`DELETE FROM platform.idempotency_keys`).Error))

	// The login user's pool is not restricted.
	require.NoError(t, parent.Raw(`SELECT count(*) FROM beta.secrets`).Scan(&n).Error)
	assert.Equal(t, 1, n)
}

// TestOpenRole_SharesTheGateAndClosesWithItsParent: a process's database
// work stays bounded by one gate, and closing the platform's pool closes
// the modules'.
func TestOpenRole_SharesTheGateAndClosesWithItsParent(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, dbtest.URL(t, migrate.Source{Owner: "alpha", HCL: []byte(alphaHCL)}))
	cfg.MaxOpenConns = 1
	parent, err := database.Open(context.Background(), cfg, database.WithApplicationName("zebra-test"))
	require.NoError(t, err)
	alpha, err := database.OpenRole(context.Background(), parent, "alpha", 0)
	require.NoError(t, err)
	var app string
	require.NoError(t, alpha.Raw("SELECT current_setting('application_name')").Scan(&app).Error)
	assert.Equal(t, "zebra-test-alpha", app)

	// The parent's only slot is held by a unit of work: the module's pool
	// waits for it like the parent's own statements would.
	held := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- database.NewUnitOfWork(parent).Do(context.Background(), func(ctx context.Context) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	err = alpha.WithContext(ctx).Exec("SELECT 1").Error
	cancel()
	assert.Error(t, err, "the module's statement got past a gate whose only slot is taken")
	close(release)
	require.NoError(t, <-done)
	require.NoError(t, alpha.Exec("SELECT 1").Error)

	require.NoError(t, database.Close(parent))
	sqlDB, err := alpha.DB()
	require.NoError(t, err)
	assert.Error(t, sqlDB.Ping(), "the module's pool outlived its parent")
}

func TestOpenRole_ExplainsAMissingRole(t *testing.T) {
	t.Parallel()
	parent := rolesDB(t)
	_, err := database.OpenRole(context.Background(), parent, "gamma", 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "zebra schema apply creates the module roles")

	_, err = database.OpenRole(context.Background(), &gorm.DB{Config: &gorm.Config{}}, "alpha", 0)
	assert.ErrorContains(t, err, "not opened by database.Open")
	alpha := openRole(t, parent, "alpha")
	_, err = database.OpenRole(context.Background(), alpha, "beta", 0)
	assert.ErrorContains(t, err, "runs as role")
}

// TestOpenRole_ExplainsALoginUserThatMayNotActAsTheRole connects as a
// login user of its own that nobody granted the module's role to.
func TestOpenRole_ExplainsALoginUserThatMayNotActAsTheRole(t *testing.T) {
	t.Parallel()
	dsn := dbtest.URL(t, migrate.Source{Owner: "alpha", HCL: []byte(alphaHCL)})
	login := loginUser(t)
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	u.User = url.User(login)
	parent := open(t, testConfig(t, u.String()))
	_, err = database.OpenRole(context.Background(), parent, "alpha", 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "may not act as role")
}

// loginUser creates a login role of the test's own (no privileges, no
// membership) and drops it after the test.
func loginUser(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	_, err := rand.Read(b)
	require.NoError(t, err)
	name := "zt_login_" + hex.EncodeToString(b)
	admin, err := pgx.Connect(context.Background(), dbtest.ServerURL())
	require.NoError(t, err)
	defer admin.Close(context.Background())
	_, err = admin.Exec(context.Background(), "CREATE ROLE "+name+" LOGIN")
	require.NoError(t, err)
	t.Cleanup(func() {
		// After its pool is closed (cleanups run last first).
		conn, err := pgx.Connect(context.Background(), dbtest.ServerURL())
		if err != nil {
			t.Errorf("drop role %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP ROLE IF EXISTS "+name); err != nil {
			t.Errorf("drop role %s: %v", name, err)
		}
	})
	return name
}

// TestUnitOfWork_NeverLiftsAModulePastItsRole: a module's unit of work or
// statement inside a transaction of the login user's pool is refused; a
// module's unit of work inside another module's transaction joins it and
// runs as that module's role (the audit-log recorder's case).
func TestUnitOfWork_NeverLiftsAModulePastItsRole(t *testing.T) {
	t.Parallel()
	parent := rolesDB(t)
	alpha, beta := openRole(t, parent, "alpha"), openRole(t, parent, "beta")
	login, alphaUoW, betaUoW := database.NewUnitOfWork(parent), database.NewUnitOfWork(alpha), database.NewUnitOfWork(beta)
	ctx := context.Background()

	err := login.Do(ctx, func(ctx context.Context) error {
		return alphaUoW.Do(ctx, func(context.Context) error { return nil })
	})
	require.ErrorIs(t, err, database.ErrLoginTransaction)
	err = login.Do(ctx, func(ctx context.Context) error {
		return database.Conn(ctx, alpha).Exec("INSERT INTO alpha.things VALUES (7)").Error
	})
	require.ErrorIs(t, err, database.ErrLoginTransaction)
	var n int
	require.NoError(t, parent.Raw("SELECT count(*) FROM alpha.things").Scan(&n).Error)
	assert.Zero(t, n)

	// A shared port (the audit insert) joins the login user's transaction
	// and commits with it.
	err = login.Do(ctx, func(ctx context.Context) error {
		return database.SharedConn(ctx, alpha).Exec("INSERT INTO alpha.things VALUES (8)").Error
	})
	require.NoError(t, err)
	require.NoError(t, parent.Raw("SELECT count(*) FROM alpha.things").Scan(&n).Error)
	assert.Equal(t, 1, n)

	var user string
	err = alphaUoW.Do(ctx, func(ctx context.Context) error {
		return betaUoW.Do(ctx, func(ctx context.Context) error {
			return database.Conn(ctx, beta).Raw("SELECT current_user").Scan(&user).Error
		})
	})
	require.NoError(t, err)
	assert.Equal(t, database.RoleOf(alpha), user, "the joined transaction keeps the caller's role")
	err = alphaUoW.Do(ctx, func(ctx context.Context) error {
		return database.Conn(ctx, beta).Exec("SELECT value FROM beta.secrets").Error
	})
	assert.Equal(t, "42501", pgCode(err), "beta's statement in alpha's transaction has alpha's privileges: %v", err)

	// The platform's statements in a module's transaction run as the module.
	err = alphaUoW.Do(ctx, func(ctx context.Context) error {
		return database.Conn(ctx, parent).Exec(`INSERT INTO platform.outbox (id, aggregate_type, aggregate_id, event_type, payload)
			VALUES (gen_random_uuid(), 'thing', '1', 'thing.created', '{}')`).Error
	})
	require.NoError(t, err)
}

// TestModuleRole decorates the pool and unit of work of one fx module
// only, and exports the pool's statistics under its own name.
func TestModuleRole(t *testing.T) {
	t.Parallel()
	parent := rolesDB(t)
	reg := prometheus.NewRegistry()
	var (
		inAlpha    *gorm.DB
		alphaUoW   *database.UnitOfWork
		outside    *gorm.DB
		outsideUoW *database.UnitOfWork
	)
	app := fxtest.New(t,
		fx.NopLogger,
		fx.Supply(parent, config.Config{Database: config.Database{ModuleMaxOpenConns: map[string]int{"alpha": 3}}}),
		fx.Provide(database.NewUnitOfWork, func() prometheus.Registerer { return reg }),
		fx.Module("alpha",
			database.ModuleRole("alpha"),
			fx.Invoke(func(db *gorm.DB, uow *database.UnitOfWork) { inAlpha, alphaUoW = db, uow }),
		),
		fx.Populate(&outside, &outsideUoW),
	)
	app.RequireStart()
	defer app.RequireStop()

	assert.Same(t, parent, outside)
	assert.Equal(t, database.RoleOf(inAlpha), roleName(t, parent, "alpha"))
	sqlDB, err := inAlpha.DB()
	require.NoError(t, err)
	assert.Equal(t, 3, sqlDB.Stats().MaxOpenConnections)
	err = alphaUoW.Do(context.Background(), func(ctx context.Context) error {
		return database.Conn(ctx, inAlpha).Exec("SELECT value FROM beta.secrets").Error
	})
	assert.Equal(t, "42501", pgCode(err))
	require.NoError(t, outsideUoW.Do(context.Background(), func(ctx context.Context) error {
		return database.Conn(ctx, outside).Exec("SELECT value FROM beta.secrets").Error
	}))

	families, err := reg.Gather()
	require.NoError(t, err)
	var names []string
	for _, f := range families {
		if f.GetName() != "go_sql_max_open_connections" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				names = append(names, l.GetValue())
			}
		}
	}
	assert.Equal(t, []string{"dbtest-alpha"}, names)
}

func roleName(t *testing.T, db *gorm.DB, module string) string {
	t.Helper()
	var name string
	require.NoError(t, db.Raw("SELECT current_database()").Scan(&name).Error)
	role, err := database.RoleName(name, module)
	require.NoError(t, err)
	return role
}
