package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/identity"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/config"
)

const usersUsage = `usage: zebra users create-admin --email E --password P [--name N]
    create an admin with a verified email, or make the existing user with
    that email an admin (its password is kept); safe to run again`

// usersCommand runs `zebra users create-admin`, the bootstrap of the first
// admin. It needs Postgres only, with the schema applied.
func usersCommand(args []string) error {
	if len(args) == 0 || args[0] != "create-admin" {
		return &usageError{usersUsage}
	}
	fs := flag.NewFlagSet("create-admin", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "the admin's email")
	password := fs.String("password", "", "the admin's password (12..128 characters)")
	name := fs.String("name", "", "display name (optional)")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 || *email == "" || *password == "" {
		return &usageError{usersUsage}
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	return withCommandDB(cfg, "users", func(ctx context.Context, db *gorm.DB) error {
		return runCreateAdmin(ctx, cfg, db, *email, *password, *name, os.Stdout)
	})
}

// runCreateAdmin is usersCommand with its inputs explicit, for tests. It
// goes through identity's facade (and so the audit recorder and outbox it
// writes through) over db, without the HTTP server or background jobs;
// Redis, which only login throttling uses, is never dialled.
func runCreateAdmin(ctx context.Context, cfg config.Config, db *gorm.DB, email, password, name string, out io.Writer) error {
	var accounts identity.Accounts
	if err := assembleOver(cfg, db, &accounts); err != nil {
		return err
	}
	id, err := accounts.EnsureUser(ctx, email, password, name, []auth.Role{auth.RoleAdmin})
	if err != nil {
		return describeUserError(err)
	}
	fmt.Fprintf(out, "admin %s: %s\n", strings.ToLower(strings.TrimSpace(email)), id)
	return nil
}

// describeUserError turns a validation error into one line per field,
// e.g. "create-admin: password: must be 12 to 128 characters".
func describeUserError(err error) error {
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.CodeValidationFailed {
		return fmt.Errorf("create-admin: %w", err)
	}
	fields, _ := e.Details["fields"].([]apperr.FieldError)
	lines := make([]string, 0, len(fields))
	for _, f := range fields {
		lines = append(lines, "create-admin: "+f.Field+": "+f.Message)
	}
	return errors.New(strings.Join(lines, "\n"))
}
