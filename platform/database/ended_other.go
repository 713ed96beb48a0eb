//go:build !unix

package database

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// discardEnded keeps every pooled connection where its socket cannot be
// read without blocking (ended.go); an ended session there costs its next
// statement a 503, and pgx's ping after a second idle catches the rest.
func discardEnded(context.Context, *pgx.Conn) error { return nil }
