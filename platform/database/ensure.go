package database

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// maintenanceDB is the database every PostgreSQL server has, to connect to
// when ours may not exist yet.
const maintenanceDB = "postgres"

// EnsureExists creates the database named in dsn when it does not exist
// yet, connecting to the same server's maintenance database with the same
// credentials (which need CREATEDB). It reports whether it created it.
// `zebra schema apply` calls it when DATABASE_CREATE is true (the default
// in dev), so `make run` works on a machine where nothing was prepared.
// Two processes racing to create it are fine: the loser sees it exists.
func EnsureExists(ctx context.Context, dsn string) (created bool, err error) {
	target, err := pgx.ParseConfig(dsn)
	if err != nil {
		return false, fmt.Errorf("parse database URL: %w", err)
	}
	name := target.Database
	if name == "" {
		return false, fmt.Errorf("database URL %s names no database", Display(target))
	}
	admin := target.Copy()
	admin.Database = maintenanceDB
	conn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		return false, connectError(Display(admin), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return false, fmt.Errorf("look up database %q: %w", name, err)
	}
	if exists {
		return false, nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: created meanwhile
			return false, nil
		}
		return false, fmt.Errorf("create database %q on %s: %w", name, Display(admin), err)
	}
	return true, nil
}
