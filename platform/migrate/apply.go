package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// lockKey is the pg_advisory_xact_lock key every zebra schema apply takes,
// so that replicas starting together apply one after the other. It is
// "zebra:migrate" in ASCII, to be recognisable in pg_locks.
const lockKey int64 = 0x7a_65_62_72_61_3a_6d_67

// DefaultLockTimeout is how long Apply waits for another replica's apply
// to finish when Options.LockTimeout is zero.
const DefaultLockTimeout = time.Minute

// Options configures Apply.
type Options struct {
	// AllowDestructive lets Apply drop schemas, tables and columns and
	// narrow column types. Without it such a plan is refused whole with a
	// *DestructiveError and nothing changes.
	AllowDestructive bool
	// LockTimeout bounds the wait for a concurrent apply (another replica
	// starting at the same time); DefaultLockTimeout when zero.
	LockTimeout time.Duration
}

// Result is what Apply ran.
type Result struct {
	// Statements are the planned statements, in the order they ran; empty
	// when the database was already up to date.
	Statements []string
	// PostSQL names the sources whose PostSQL ran after them ("platform.sql").
	PostSQL []string
	// Roles are the modules' database roles, whose privileges Apply set
	// again after the PostSQL; CreatedRoles those it created.
	Roles, CreatedRoles []string
}

// Apply brings the database to the desired state of sources. Everything
// happens in one transaction (Postgres DDL is transactional), so a failed
// statement leaves the database as it was: take the advisory lock, inspect
// the owners' schemas, plan, refuse destructive changes unless allowed, run
// the plan, run every source's PostSQL, create the modules' database roles
// that are missing and set their privileges (applyRoles), commit. Run
// twice, the second call plans nothing and only re-runs the idempotent
// PostSQL and grants.
func Apply(ctx context.Context, db *sql.DB, sources []Source, opts Options) (Result, error) {
	sorted, desired, err := desiredState(sources)
	if err != nil {
		return Result{}, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return Result{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after a commit
	if err := lock(ctx, tx, opts.lockTimeout()); err != nil {
		return Result{}, err
	}
	changes, err := diff(ctx, tx, desired, owners(sorted))
	if err != nil {
		return Result{}, err
	}
	if err := refuseDestructive(changes, opts.AllowDestructive); err != nil {
		return Result{}, err
	}
	var res Result
	for _, c := range changes {
		if _, err := tx.ExecContext(ctx, c.SQL, c.args...); err != nil {
			return Result{}, fmt.Errorf("apply %q: %w", c.SQL, err)
		}
		res.Statements = append(res.Statements, c.SQL)
	}
	for _, s := range sorted {
		if len(s.PostSQL) == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, string(s.PostSQL)); err != nil {
			return Result{}, fmt.Errorf("run %s.sql: %w", s.Owner, err)
		}
		res.PostSQL = append(res.PostSQL, s.Owner+".sql")
	}
	roles, err := applyRoles(ctx, tx, sorted)
	if err != nil {
		return Result{}, err
	}
	res.Roles, res.CreatedRoles = roles.Roles, roles.Created
	if err := tx.Commit(); err != nil {
		return Result{}, fmt.Errorf("commit schema changes: %w", err)
	}
	return res, nil
}

func (o Options) lockTimeout() time.Duration {
	if o.LockTimeout > 0 {
		return o.LockTimeout
	}
	return DefaultLockTimeout
}

// lock takes the transaction-scoped advisory lock, waiting at most timeout
// for another apply to commit. The statement's own lock_timeout is then
// restored, so the DDL that follows waits as the session is configured to.
func lock(ctx context.Context, tx *sql.Tx, timeout time.Duration) error {
	var prev string
	if err := tx.QueryRowContext(ctx, "SELECT current_setting('lock_timeout')").Scan(&prev); err != nil {
		return fmt.Errorf("read lock_timeout: %w", err)
	}
	ms := fmt.Sprintf("%dms", max(timeout.Milliseconds(), 1))
	if _, err := tx.ExecContext(ctx, "SELECT set_config('lock_timeout', $1, true)", ms); err != nil {
		return fmt.Errorf("set lock_timeout: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "55P03" { // lock_not_available
			return fmt.Errorf("another schema apply still holds the migration lock after %s: %w", timeout, err)
		}
		return fmt.Errorf("take migration lock: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT set_config('lock_timeout', $1, true)", prev); err != nil {
		return fmt.Errorf("restore lock_timeout: %w", err)
	}
	return nil
}

func refuseDestructive(changes []Change, allowed bool) error {
	if allowed {
		return nil
	}
	var list []string
	for _, c := range changes {
		if c.Destructive != "" {
			list = append(list, c.Destructive)
		}
	}
	if len(list) == 0 {
		return nil
	}
	return &DestructiveError{Changes: list}
}
