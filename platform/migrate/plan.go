package migrate

import (
	"context"
	"database/sql"
	"fmt"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
)

// Change is one planned statement, with Atlas's description of it and,
// when the statement may lose data, why.
type Change struct {
	// SQL is the statement to run.
	SQL string
	// Comment is Atlas's one-line description ("create \"users\" table").
	Comment string
	// Destructive explains the data the statement may lose; empty when
	// the statement loses none.
	Destructive string

	args []any
}

// Changes returns the statements that bring the database to the desired
// state described by sources, in the order they would run, each with
// Atlas's description and whether it is destructive. It changes nothing
// (its transaction is rolled back) and returns nothing when the database
// is up to date. Only the Postgres schemas the sources name are
// inspected: whatever else the database holds is neither read nor touched.
func Changes(ctx context.Context, db *sql.DB, sources []Source) ([]Change, error) {
	sorted, desired, err := desiredState(sources)
	if err != nil {
		return nil, err
	}
	// Not read-only: checkChanges normalises check expressions on a
	// temporary table. The transaction is always rolled back.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // nothing to keep
	return diff(ctx, tx, desired, owners(sorted))
}

// diff inspects the owners' schemas in tx, so the inspection and the plan
// see one state, and plans the statements that turn them into desired.
func diff(ctx context.Context, tx *sql.Tx, desired *schema.Realm, owners []string) ([]Change, error) {
	drv, err := postgres.Open(tx)
	if err != nil {
		return nil, fmt.Errorf("open atlas driver: %w", err)
	}
	current, err := drv.InspectRealm(ctx, &schema.InspectRealmOption{Schemas: owners})
	if err != nil {
		return nil, fmt.Errorf("inspect schemas %v: %w", owners, err)
	}
	changes, err := drv.RealmDiff(current, desired)
	if err != nil {
		return nil, fmt.Errorf("diff schemas: %w", err)
	}
	if changes, err = checkChanges(ctx, tx, current, desired, changes); err != nil {
		return nil, err
	}
	if len(changes) == 0 {
		return nil, nil
	}
	plan, err := drv.PlanChanges(ctx, "zebra", changes, func(o *atlasmigrate.PlanOptions) {
		o.Indent = "  "
	})
	if err != nil {
		return nil, fmt.Errorf("plan changes: %w", err)
	}
	out := make([]Change, 0, len(plan.Changes))
	for _, c := range plan.Changes {
		out = append(out, Change{
			SQL:         c.Cmd,
			Comment:     c.Comment,
			Destructive: destructive(c.Source),
			args:        c.Args,
		})
	}
	return out, nil
}

func owners(sources []Source) []string {
	names := make([]string, len(sources))
	for i, s := range sources {
		names[i] = s.Owner
	}
	return names
}
