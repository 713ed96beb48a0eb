// Package migrate brings a database to the declarative schema of schema/
// with the Atlas library inside the binary: Changes plans the SQL, Apply runs
// it in one transaction and refuses destructive changes unless allowed.
//
// Around Atlas OSS, three checks are ours: changed check expressions (Atlas
// compares them only through a dev database), attributes its HCL would
// silently ignore (lint.go), and data loss, where Atlas's destructive
// analyzer sees drops but not a narrowed column type (destructive.go).
package migrate

import "go.uber.org/fx"

// Source is one owner's part of the desired schema. Each module contributes
// its own through the "schema" value group, so removing a module from the
// app removes its tables from the desired state too.
type Source struct {
	// Owner is the Postgres schema the tables live in: platform, or the module's name
	Owner string
	// HCL is the Atlas HCL description of the owner's tables.
	HCL []byte
	// PostSQL holds idempotent statements Atlas HCL cannot express
	// (functions, triggers), run after every apply.
	PostSQL []byte

	// Every owner but the platform has a database role its module's
	// statements run as (database.RoleName; docs/adr/0007-module-database-roles.md).
	// Apply grants it USAGE on the owner's schema and, unless Own says
	// otherwise, SELECT, INSERT, UPDATE and DELETE on all its tables.

	// Own, when set, lists exactly what the owner's role may do with its
	// tables, instead of all four privileges on all of them (rows that are
	// only ever inserted and read, say).
	Own []Grant
	// Shared lists what every module's role may do with this owner's
	// tables, beyond its own schema: the platform's outbox and idempotency
	// records, or the rows a module's port writes in the caller's
	// transaction (as the caller's role).
	Shared []Grant
	// Maintains lists tables the owner's role owns rather than only uses,
	// so that its jobs may VACUUM them (PostgreSQL 15 lets only a table's
	// owner do so).
	Maintains []string
}

// AsSource annotates a constructor returning a Source for the "schema" group.
func AsSource(constructor any) any {
	return fx.Annotate(constructor, fx.ResultTags(`group:"schema"`))
}
