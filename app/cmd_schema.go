package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"go.uber.org/fx"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/migrate"
)

// schemaTimeout bounds one `zebra schema` run: connecting, waiting for a
// concurrent apply, and running the DDL.
const schemaTimeout = 5 * time.Minute

const schemaUsage = `usage: zebra schema plan                             print the SQL that would bring DATABASE_URL to schema/
       zebra schema apply [--allow-destructive] [-v]  apply it in one transaction and summarize what ran (-v: the SQL)`

// schemaCommand runs `zebra schema plan` and `zebra schema apply
// [--allow-destructive] [-v]`; args are the arguments after "schema". The
// desired state is the platform's source plus every plugged-in module's
// (the "schema" value group), so it always matches what the binary serves.
func schemaCommand(args []string) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	sources, err := schemaSources(contexts)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, schemaTimeout)
	defer cancel()
	return runSchema(ctx, cfg, sources, args, os.Stdout)
}

// schemaSources builds the fx graph of the plugged-in modules without
// starting anything and collects the "schema" group. Only the schema
// providers are constructed: fx builds what an invoke asks for.
func schemaSources(plugged []fx.Option) ([]migrate.Source, error) {
	var sources []migrate.Source
	app := fx.New(
		fx.Options(plugged...),
		migrate.Module,
		fx.NopLogger,
		fx.Invoke(func(in struct {
			fx.In
			Sources []migrate.Source `group:"schema"`
		}) {
			sources = in.Sources
		}),
	)
	if err := app.Err(); err != nil {
		return nil, fmt.Errorf("collect schema sources: %w", err)
	}
	return sources, nil
}

// runSchema is schemaCommand with its inputs explicit, for tests.
func runSchema(ctx context.Context, cfg config.Config, sources []migrate.Source, args []string, out io.Writer) error {
	if len(args) == 0 {
		return &usageError{schemaUsage}
	}
	fs := flag.NewFlagSet("zebra schema "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	allowDestructive := fs.Bool("allow-destructive", false, "allow dropping schemas, tables and columns")
	verbose := fs.Bool("v", false, "print the SQL that apply ran")
	if err := fs.Parse(args[1:]); err != nil {
		return &usageError{fmt.Sprintf("zebra schema %s: %v\n%s", args[0], err, schemaUsage)}
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Sprintf("zebra schema %s: unexpected argument %q\n%s", args[0], fs.Arg(0), schemaUsage)}
	}
	switch args[0] {
	case "plan":
		if *allowDestructive || *verbose {
			return &usageError{"zebra schema plan: --allow-destructive and -v are apply flags\n" + schemaUsage}
		}
		return withDatabase(ctx, cfg, out, func(db *sql.DB) error { return printPlan(ctx, db, sources, out) })
	case "apply":
		return withDatabase(ctx, cfg, out, func(db *sql.DB) error {
			return printApply(ctx, db, sources, migrate.Options{AllowDestructive: *allowDestructive}, *verbose, out)
		})
	}
	return &usageError{fmt.Sprintf("zebra schema: unknown command %q\n%s", args[0], schemaUsage)}
}

// withDatabase opens DATABASE_URL (creating the database first when
// DATABASE_CREATE is on, as it is in development) and checks that it
// answers, so an unreachable server gives one clear line.
func withDatabase(ctx context.Context, cfg config.Config, out io.Writer, fn func(*sql.DB) error) error {
	where := database.DisplayURL(cfg.Database.URL)
	if cfg.Database.CreateIfMissing {
		created, err := database.EnsureExists(ctx, cfg.Database.URL)
		if err != nil {
			return err
		}
		if created {
			fmt.Fprintf(out, "-- created database %s (DATABASE_CREATE)\n", where)
		}
	}
	db, err := sql.Open("pgx", cfg.Database.URL)
	if err != nil {
		return fmt.Errorf("open %s: %w", where, err)
	}
	defer db.Close()
	pingCtx, cancel := context.WithTimeout(ctx, cfg.Database.ConnectTimeout+time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		return fmt.Errorf("cannot reach PostgreSQL at %s (is it running? make doctor checks it; make up starts one with Docker): %w", where, err)
	}
	return fn(db)
}

func printPlan(ctx context.Context, db *sql.DB, sources []migrate.Source, out io.Writer) error {
	changes, err := migrate.Changes(ctx, db, sources)
	if err != nil {
		return err
	}
	var b strings.Builder
	if len(changes) == 0 {
		b.WriteString("-- schema is up to date\n")
	}
	destructive := 0
	for _, c := range changes {
		if c.Comment != "" {
			fmt.Fprintf(&b, "-- %s\n", c.Comment)
		}
		if c.Destructive != "" {
			destructive++
			fmt.Fprintf(&b, "-- DESTRUCTIVE: %s\n", c.Destructive)
		}
		fmt.Fprintf(&b, "%s;\n", c.SQL)
	}
	if destructive > 0 {
		fmt.Fprintf(&b, "-- %d destructive change(s): `zebra schema apply` refuses them without --allow-destructive\n", destructive)
	}
	if post := postSQLFiles(sources); len(post) > 0 {
		fmt.Fprintf(&b, "-- apply also re-runs the idempotent %s (functions, triggers), which a plan cannot diff\n", strings.Join(post, ", "))
	}
	b.WriteString("-- apply also creates the modules' database roles that are missing and sets their privileges again (docs/adr/0007-module-database-roles.md)\n")
	_, err = io.WriteString(out, b.String())
	return err
}

// printApply applies the schema and prints one line saying what changed
// (and one naming the database roles it created), or, verbose, every
// statement that ran.
func printApply(ctx context.Context, db *sql.DB, sources []migrate.Source, opts migrate.Options, verbose bool, out io.Writer) error {
	res, err := migrate.Apply(ctx, db, sources, opts)
	if err != nil {
		return err
	}
	var b strings.Builder
	if len(res.Statements) == 0 {
		b.WriteString("-- schema is up to date\n")
	}
	if verbose {
		for _, s := range res.Statements {
			fmt.Fprintf(&b, "%s;\n", s)
		}
		if len(res.PostSQL) > 0 {
			fmt.Fprintf(&b, "-- ran idempotent %s\n", strings.Join(res.PostSQL, ", "))
		}
	}
	if len(res.Statements) > 0 {
		fmt.Fprintf(&b, "-- applied %d statement(s): %s", len(res.Statements), statementKinds(res.Statements))
		if len(res.PostSQL) > 0 {
			fmt.Fprintf(&b, "; ran idempotent %s", strings.Join(res.PostSQL, ", "))
		}
		if !verbose {
			b.WriteString(" (-v prints the SQL)")
		}
		b.WriteString("\n")
	}
	if len(res.CreatedRoles) > 0 {
		fmt.Fprintf(&b, "-- created database role(s) %s (NOLOGIN, granted to the user that applied)\n", strings.Join(res.CreatedRoles, ", "))
	}
	if verbose && len(res.Roles) > 0 {
		fmt.Fprintf(&b, "-- set the privileges of %s\n", strings.Join(res.Roles, ", "))
	}
	_, err = io.WriteString(out, b.String())
	return err
}

// statementKinds counts statements by their leading keywords, in order of
// first appearance: "4 CREATE SCHEMA, 13 CREATE TABLE, 25 CREATE INDEX, ...".
func statementKinds(statements []string) string {
	var kinds []string
	count := map[string]int{}
	for _, s := range statements {
		var words []string
		for _, w := range strings.Fields(s) {
			if w == "UNIQUE" {
				continue
			}
			if w != strings.ToUpper(w) || strings.ContainsAny(w, `"(`) || w == "IF" || len(words) == 2 {
				break
			}
			words = append(words, w)
		}
		kind := strings.Join(words, " ")
		if count[kind] == 0 {
			kinds = append(kinds, kind)
		}
		count[kind]++
	}
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d %s", count[k], k)
	}
	return strings.Join(parts, ", ")
}

// postSQLFiles names the sources' PostSQL files, for the plan's reader.
func postSQLFiles(sources []migrate.Source) []string {
	var files []string
	for _, s := range sources {
		if len(strings.TrimSpace(string(s.PostSQL))) > 0 {
			files = append(files, s.Owner+".sql")
		}
	}
	slices.Sort(files)
	return files
}
