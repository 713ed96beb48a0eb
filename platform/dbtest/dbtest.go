// Package dbtest gives integration tests a database of their own: a fresh
// PostgreSQL database with a unique name on the test server, brought to the
// declarative schema with migrate.Apply, and dropped when the test ends.
// Tests in parallel, and test binaries of several packages at once, never
// share a database.
//
// The server is TEST_DATABASE_URL, else DATABASE_URL, else
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable; only the
// server and credentials of that URL are used, never its database.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/migrate"
)

// DefaultServerURL is the test server when neither TEST_DATABASE_URL nor
// DATABASE_URL is set: the PostgreSQL of `make up` and of this machine.
const DefaultServerURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Prefix starts the name of every database dbtest creates, so they are
// recognisable (and never confused with a developer's own).
const Prefix = "zt_"

// setupTimeout bounds creating, migrating and dropping one database.
const setupTimeout = time.Minute

// New creates a fresh database, applies the platform's schema source plus
// sources to it, and returns a gorm handle on it opened by database.Open,
// as the binary opens its own, with the platform's default settings but a
// small pool (8 connections): the server is shared by every test running
// at once. Statements and waits for a connection get a minute instead of
// the production bounds, because tests seed large tables and share a
// loaded server; the bounds themselves are tested where they matter
// (platform/database, test/faults). The database is dropped in
// t.Cleanup, after the pool is closed.
func New(t testing.TB, sources ...migrate.Source) *gorm.DB {
	t.Helper()
	dsn := URL(t, sources...)
	c, err := config.LoadEnv(map[string]string{"DATABASE_URL": dsn})
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	c.Database.MaxOpenConns, c.Database.MaxIdleConns = 8, 2
	c.Database.StatementTimeout, c.Database.AcquireTimeout = time.Minute, time.Minute
	db, err := database.Open(context.Background(), c.Database, database.WithApplicationName("dbtest"))
	if err != nil {
		t.Fatalf("dbtest: open %s: %v", config.RedactURL(dsn), err)
	}
	// Registered after URL's cleanup, so it runs first: close the pool, then drop.
	t.Cleanup(func() { _ = database.Close(db) })
	return db
}

// URL creates a fresh database like New and returns its connection URL,
// for black-box tests that hand it to the zebra binary. The database is
// dropped in t.Cleanup, terminating whatever is still connected to it.
func URL(t testing.TB, sources ...migrate.Source) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()

	dsn := EmptyURL(t)
	if err := apply(ctx, dsn, withPlatform(sources)); err != nil {
		t.Fatalf("dbtest: apply schema to %s: %v", config.RedactURL(dsn), err)
	}
	return dsn
}

// EmptyURL creates a fresh, empty database (no schema applied) and returns
// its URL; it is dropped in t.Cleanup, with the module roles a schema
// apply created for it (database.RolePrefix: named after the database, so
// no other database's roles are touched). Tests of the schema tooling
// itself start from it.
func EmptyURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	admin, err := adminDB()
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	name := databaseName(t)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("dbtest: create database %s on %s: %v (is PostgreSQL running? `make up`)", name, config.RedactURL(ServerURL()), err)
	}
	t.Cleanup(func() { drop(t, admin, name) })
	return databaseURL(name)
}

// apply runs migrate.Apply through a short-lived pool of its own.
func apply(ctx context.Context, dsn string, sources []migrate.Source) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = migrate.Apply(ctx, db, sources, migrate.Options{})
	return err
}

// withPlatform prepends the platform's source unless the caller passed one.
func withPlatform(sources []migrate.Source) []migrate.Source {
	for _, s := range sources {
		if s.Owner == migrate.PlatformOwner {
			return sources
		}
	}
	return append([]migrate.Source{migrate.PlatformSource()}, sources...)
}

func drop(t testing.TB, admin *sql.DB, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	// FORCE terminates the sessions still connected (a binary under test,
	// a pool a test forgot to close) before dropping.
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Errorf("dbtest: drop database %s: %v", name, err)
		return
	}
	// The database held every grant to its roles: nothing depends on them now.
	for _, role := range rolesOf(ctx, t, admin, name) {
		if _, err := admin.ExecContext(ctx, "DROP ROLE IF EXISTS "+pgx.Identifier{role}.Sanitize()); err != nil {
			t.Errorf("dbtest: drop role %s of database %s: %v", role, name, err)
		}
	}
}

// rolesOf lists the module roles of database name (database.RoleName).
func rolesOf(ctx context.Context, t testing.TB, admin *sql.DB, name string) []string {
	t.Helper()
	rows, err := admin.QueryContext(ctx, "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)", database.RolePrefix(name)+"_")
	if err != nil {
		t.Errorf("dbtest: list the roles of database %s: %v", name, err)
		return nil
	}
	defer rows.Close()
	var roles []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			t.Errorf("dbtest: list the roles of database %s: %v", name, err)
			return nil
		}
		roles = append(roles, r)
	}
	if err := rows.Err(); err != nil {
		t.Errorf("dbtest: list the roles of database %s: %v", name, err)
	}
	return roles
}

var (
	adminOnce sync.Once
	adminPool *sql.DB
	errAdmin  error
)

// adminDB is the process-wide pool on the server's maintenance database,
// used only to create and drop test databases.
func adminDB() (*sql.DB, error) {
	adminOnce.Do(func() {
		adminPool, errAdmin = sql.Open("pgx", ServerURL())
		if errAdmin != nil {
			return
		}
		adminPool.SetMaxOpenConns(2)
		adminPool.SetConnMaxIdleTime(5 * time.Second)
	})
	return adminPool, errAdmin
}

// ServerURL is the URL of the test server's maintenance database, for
// tests that need to look at the server itself (pg_database, pg_stat_activity).
func ServerURL() string {
	for _, k := range []string{"TEST_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(k); v != "" {
			u, err := url.Parse(v)
			if err != nil {
				return v
			}
			u.Path = "/postgres"
			return u.String()
		}
	}
	return DefaultServerURL
}

// databaseURL is the server URL pointed at database name.
func databaseURL(name string) string {
	u, err := url.Parse(ServerURL())
	if err != nil {
		panic(fmt.Sprintf("dbtest: server URL: %v", err))
	}
	u.Path = "/" + name
	return u.String()
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9]+`)

// databaseName is zt_<package>_<test>_<random>: readable in \l while the
// test runs, unique across parallel tests and packages, within Postgres'
// 63-byte identifier limit.
func databaseName(t testing.TB) string {
	pkg := strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
	test := t.Name()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("dbtest: random name: %v", err)
	}
	return fmt.Sprintf("%s%s_%s_%s", Prefix, clean(pkg, 16), clean(test, 24), hex.EncodeToString(b))
}

func clean(s string, n int) string {
	s = strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(s), "_"), "_")
	if len(s) > n {
		s = strings.TrimRight(s[:n], "_")
	}
	if s == "" {
		return "x"
	}
	return s
}
