// Package database opens the PostgreSQL pool through gorm and provides the
// unit of work every command runs in, plus the translation of driver errors
// into the typed errors the HTTP layer understands.
package database
