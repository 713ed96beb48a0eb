// Package database opens the PostgreSQL pool through gorm and provides the
// unit of work every command runs in, the direct statements of the hot
// write paths (Exec, Query: docs/adr/0006-direct-statements-on-hot-paths.md),
// the tracing of every statement in the driver, and the translation of
// driver errors into the typed errors the HTTP layer understands.
package database
