package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"

	"ariga.io/atlas/sql/schema"
	"github.com/jackc/pgx/v5"

	"github.com/zebralabs/zebra/platform/database"
)

// Grant is what a database role may do with one table of a source's
// schema: a GRANT clause of data privileges.
type Grant struct {
	// Table is a table of the source's own schema.
	Table string
	// Privileges lists SELECT, INSERT, UPDATE and DELETE, each optionally
	// limited to columns: "INSERT", "SELECT, INSERT, DELETE",
	// "SELECT (scope, key), UPDATE (state)".
	Privileges string
}

// privilegeClause is what Grant.Privileges may say: data privileges only,
// so no source grants itself DDL or ownership through a grant.
var privilegeClause = regexp.MustCompile(`^` + privilege + `(, ` + privilege + `)*$`)

const (
	column    = `[a-z_][a-z0-9_]*`
	privilege = `(SELECT|INSERT|UPDATE|DELETE)( \(` + column + `(, ` + column + `)*\))?`
)

// checkGrants validates the grants of s against the desired realm: each
// names a table of s's schema with data privileges only, and the platform,
// whose tables the login user uses, has no role to own or grant to.
func checkGrants(s Source, realm *schema.Realm) error {
	if s.Owner == PlatformOwner && (len(s.Own) > 0 || len(s.Maintains) > 0) {
		return fmt.Errorf("schema source %s: the platform's statements run as the login user; it has no role of its own to grant to", s.Owner)
	}
	sch, _ := realm.Schema(s.Owner)
	known := func(table string) bool {
		if sch == nil {
			return false
		}
		_, ok := sch.Table(table)
		return ok
	}
	for _, g := range append(append([]Grant(nil), s.Own...), s.Shared...) {
		switch {
		case !known(g.Table):
			return fmt.Errorf("schema source %s: grant on %q: no such table in schema %s", s.Owner, g.Table, s.Owner)
		case !privilegeClause.MatchString(g.Privileges):
			return fmt.Errorf("schema source %s: grant on %s: privileges %q must list SELECT, INSERT, UPDATE or DELETE, optionally with (columns)",
				s.Owner, g.Table, g.Privileges)
		}
	}
	for _, t := range s.Maintains {
		if !known(t) {
			return fmt.Errorf("schema source %s: maintains %q: no such table in schema %s", s.Owner, t, s.Owner)
		}
	}
	return nil
}

// rolesResult is what applyRoles did.
type rolesResult struct {
	// Roles are the module roles the database now has, one per owner but
	// the platform, in the order of the sources.
	Roles []string
	// Created are the roles this apply created.
	Created []string
}

// applyRoles gives every owner but the platform its database role, in tx:
// it creates the role (NOLOGIN) when missing and grants it to the user
// that applies, so that user's sessions may run as it; then it revokes
// every privilege the module roles hold on the sources' schemas and grants
// again what the sources declare, so a privilege no longer declared is
// gone after the apply. Each role gets USAGE on its own schema and, unless
// the source lists exactly what it gets (Own), SELECT, INSERT, UPDATE and
// DELETE on every table of it and USAGE on its sequences; it owns the
// tables its source Maintains; and every role gets the Shared grants of
// every source, with USAGE on their schemas (which lets it name those
// tables, and read none it was not granted). Nothing here touches a role
// that is not one of the sources' module roles.
func applyRoles(ctx context.Context, tx *sql.Tx, sources []Source) (rolesResult, error) {
	var res rolesResult
	var dbName string
	if err := tx.QueryRowContext(ctx, "SELECT current_database()").Scan(&dbName); err != nil {
		return res, fmt.Errorf("read the database name: %w", err)
	}
	roleOf := map[string]string{}
	var roles, schemas []string
	for _, s := range sources {
		schemas = append(schemas, ident(s.Owner))
		if s.Owner == PlatformOwner {
			continue
		}
		name, err := database.RoleName(dbName, s.Owner)
		if err != nil {
			return res, fmt.Errorf("schema source %s: %w", s.Owner, err)
		}
		created, err := ensureRole(ctx, tx, name)
		if err != nil {
			return res, err
		}
		if created {
			res.Created = append(res.Created, name)
		}
		roleOf[s.Owner] = ident(name)
		roles = append(roles, ident(name))
		res.Roles = append(res.Roles, name)
	}
	if len(roles) == 0 {
		return res, nil
	}
	allRoles, allSchemas := strings.Join(roles, ", "), strings.Join(schemas, ", ")
	var stmts []string
	for _, s := range sources {
		for _, t := range s.Maintains {
			// The new owner needs CREATE on the schema for the change of
			// owner; the revocation below takes it back in this transaction.
			stmts = append(stmts,
				fmt.Sprintf("GRANT CREATE ON SCHEMA %s TO %s", ident(s.Owner), roleOf[s.Owner]),
				fmt.Sprintf("ALTER TABLE %s.%s OWNER TO %s", ident(s.Owner), ident(t), roleOf[s.Owner]))
		}
	}
	stmts = append(stmts,
		fmt.Sprintf("REVOKE ALL ON ALL TABLES IN SCHEMA %s FROM %s", allSchemas, allRoles),
		fmt.Sprintf("REVOKE ALL ON ALL SEQUENCES IN SCHEMA %s FROM %s", allSchemas, allRoles),
		fmt.Sprintf("REVOKE ALL ON SCHEMA %s FROM %s", allSchemas, allRoles))
	for _, s := range sources {
		own, ok := roleOf[s.Owner]
		if ok {
			stmts = append(stmts,
				fmt.Sprintf("GRANT USAGE ON SCHEMA %s TO %s", ident(s.Owner), own),
				fmt.Sprintf("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %s TO %s", ident(s.Owner), own))
			if len(s.Own) == 0 {
				stmts = append(stmts, fmt.Sprintf("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %s TO %s", ident(s.Owner), own))
			}
			for _, g := range s.Own {
				stmts = append(stmts, fmt.Sprintf("GRANT %s ON %s.%s TO %s", g.Privileges, ident(s.Owner), ident(g.Table), own))
			}
		}
		if len(s.Shared) > 0 {
			stmts = append(stmts, fmt.Sprintf("GRANT USAGE ON SCHEMA %s TO %s", ident(s.Owner), allRoles))
		}
		for _, g := range s.Shared {
			stmts = append(stmts, fmt.Sprintf("GRANT %s ON %s.%s TO %s", g.Privileges, ident(s.Owner), ident(g.Table), allRoles))
		}
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return res, fmt.Errorf("module roles: %s: %w", q, err)
		}
	}
	return res, nil
}

// ensureRole creates role (NOLOGIN: nobody connects as it, sessions of
// the login user run as it) unless it exists, and grants it to the user
// that applies unless that user already has its privileges (a superuser,
// or a member). It reports whether it created the role. Creating a role needs
// CREATEROLE (or a superuser).
func ensureRole(ctx context.Context, tx *sql.Tx, role string) (created bool, err error) {
	var exists bool
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", role).Scan(&exists); err != nil {
		return false, fmt.Errorf("look up role %s: %w", role, err)
	}
	if !exists {
		if _, err := tx.ExecContext(ctx, "CREATE ROLE "+ident(role)+" NOLOGIN"); err != nil {
			return false, fmt.Errorf("create role %s (the user that applies the schema needs CREATEROLE): %w", role, err)
		}
	}
	// USAGE (membership that inherits the role's privileges), not MEMBER:
	// PostgreSQL 16 makes the creator of a role a member with ADMIN OPTION
	// only (createrole_self_grant), which does not let its sessions run as
	// the role; the grant below does.
	var member bool
	if err := tx.QueryRowContext(ctx, "SELECT pg_has_role(current_user, $1, 'USAGE')", role).Scan(&member); err != nil {
		return false, fmt.Errorf("check membership of role %s: %w", role, err)
	}
	if !member {
		if _, err := tx.ExecContext(ctx, "GRANT "+ident(role)+" TO CURRENT_USER"); err != nil {
			return false, fmt.Errorf("grant role %s to the user that applies the schema: %w", role, err)
		}
	}
	return !exists, nil
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }
