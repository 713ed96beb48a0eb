// Package id generates the identifiers of every entity: UUIDv7, created in
// Go rather than by the database so an id is known before the row is
// written, and time-ordered so keyset pagination by id is newest-first.
package id

import "github.com/google/uuid"

// New returns a fresh UUIDv7. It panics only if the system's random source
// fails, which leaves nothing sensible to do.
func New() uuid.UUID { return uuid.Must(uuid.NewV7()) }
