// Package database opens the PostgreSQL pool (gorm over pgx's
// database/sql driver) and provides the unit of work every command runs
// in, and the translation of driver errors into the typed errors the HTTP
// layer understands. Repositories use gorm's own API on Conn(ctx, db);
// nothing here changes when or how a statement reaches the server
// (docs/adr/0006-plain-data-path.md).
//
// Each module's statements run as its own database role, on a pool opened
// from the platform's (OpenRole, ModuleRole): PostgreSQL, not review,
// keeps a module out of another's tables
// (docs/adr/0007-module-database-roles.md).
//
// What is ours and why: discardEnded replaces a pooled connection whose
// session the server ended, with one non-blocking read and no round trip,
// which pgx's stdlib does not do (it pings only after a second idle);
// poolGate answers 503 when no connection frees up within
// DATABASE_ACQUIRE_TIMEOUT, which neither database/sql nor pgxpool can
// bound apart from the request's deadline, and its semaphore is a buffered
// channel, as short as golang.org/x/sync/semaphore's would be. The uuid
// codec (pgx-google-uuid), the tracer (otelpgx) and the pool metrics
// (client_golang's DB stats collector) are libraries.
package database
