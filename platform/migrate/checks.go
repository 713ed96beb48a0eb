package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"ariga.io/atlas/sql/schema"
)

// checkChanges finds the named CHECK constraints whose expression changed.
// Without a dev database Atlas matches checks by name only and never sees
// a new expression, so editing a check in HCL would silently do nothing.
// Postgres itself normalises the desired expression (on a temporary copy of
// the table, inside a savepoint that is rolled back) and the result is
// compared with the constraint in the database; each difference becomes a
// ModifyCheck (DROP CONSTRAINT + ADD CONSTRAINT) in the table's changes.
func checkChanges(ctx context.Context, tx *sql.Tx, current, desired *schema.Realm, changes []schema.Change) ([]schema.Change, error) {
	for _, ds := range desired.Schemas {
		cs, ok := current.Schema(ds.Name)
		if !ok {
			continue
		}
		for _, dt := range ds.Tables {
			ct, ok := cs.Table(dt.Name)
			if !ok {
				continue
			}
			for _, dc := range dt.Checks() {
				cc := namedCheck(ct, dc.Name)
				if cc == nil {
					continue // added or renamed: Atlas plans that already
				}
				same, err := sameCheck(ctx, tx, ct, cc.Name, dc.Expr)
				if err != nil {
					return nil, err
				}
				if !same {
					changes = addTableChange(changes, dt, &schema.ModifyCheck{From: cc, To: dc})
				}
			}
		}
	}
	return changes, nil
}

func namedCheck(t *schema.Table, name string) *schema.Check {
	if name == "" {
		return nil
	}
	for _, c := range t.Checks() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// sameCheck reports whether expr, normalised by Postgres, is the definition
// of check name on table t. An expression Postgres cannot add to a copy of
// the current table (it names a column the plan adds) is different.
func sameCheck(ctx context.Context, tx *sql.Tx, t *schema.Table, name, expr string) (same bool, err error) {
	var current string
	q := `SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
		JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
		WHERE n.nspname = $1 AND r.relname = $2 AND c.conname = $3 AND c.contype = 'c'`
	if err := tx.QueryRowContext(ctx, q, t.Schema.Name, t.Name, name).Scan(&current); err != nil {
		return false, fmt.Errorf("read check %s.%q: %w", tableName(t), name, err)
	}
	if _, err := tx.ExecContext(ctx, "SAVEPOINT zebra_check"); err != nil {
		return false, fmt.Errorf("normalise check %q: %w", name, err)
	}
	defer func() {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT zebra_check"); rerr != nil {
			err = errors.Join(err, fmt.Errorf("roll back check normalisation: %w", rerr))
		}
	}()
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`CREATE TEMP TABLE zebra_check_norm (LIKE %s) ON COMMIT DROP`, tableName(t))); err != nil {
		return false, fmt.Errorf("normalise check %q: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`ALTER TABLE zebra_check_norm ADD CONSTRAINT %q CHECK (%s) NOT VALID`, name, expr)); err != nil {
		return false, nil
	}
	var desired string
	q = `SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'zebra_check_norm'::regclass AND conname = $1`
	if err := tx.QueryRowContext(ctx, q, name).Scan(&desired); err != nil {
		return false, fmt.Errorf("normalise check %q: %w", name, err)
	}
	return strings.TrimSuffix(desired, " NOT VALID") == strings.TrimSuffix(current, " NOT VALID"), nil
}

// addTableChange appends c to the ModifyTable of t, adding one if the diff
// had none.
func addTableChange(changes []schema.Change, t *schema.Table, c schema.Change) []schema.Change {
	for _, ch := range changes {
		if m, ok := ch.(*schema.ModifyTable); ok && m.T == t {
			m.Changes = append(m.Changes, c)
			return changes
		}
	}
	return append(changes, &schema.ModifyTable{T: t, Changes: []schema.Change{c}})
}
