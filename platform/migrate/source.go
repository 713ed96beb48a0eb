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
	// (functions, triggers, grants), run after every apply.
	PostSQL []byte
}

// AsSource annotates a constructor returning a Source for the "schema" group.
func AsSource(constructor any) any {
	return fx.Annotate(constructor, fx.ResultTags(`group:"schema"`))
}
