// Command zebra is Zebra Labs' backend: one binary that serves the HTTP
// API, runs the background jobs (outbox relay, consumers, cleanups) and
// applies the database schema.
//
// The whole system is assembled in newApp: the platform, the bounded
// contexts below, and what the command runs.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.uber.org/dig"
	"go.uber.org/fx"

	"github.com/zebralabs/zebra/modules/activities"
	"github.com/zebralabs/zebra/modules/audit"
	"github.com/zebralabs/zebra/modules/identity"
	"github.com/zebralabs/zebra/platform"
	"github.com/zebralabs/zebra/platform/config"
)

// version is stamped at link time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

// contexts are the bounded contexts plugged into this binary, one line
// each (a new one also goes into go.work and app/go.mod). Each module
// brings everything of its own: routes and OpenAPI tags, schema,
// permissions and grants, rate-limit rules, configuration section, jobs
// and event handlers; the platform names none of them.
//
// Taking a line out leaves a binary that builds, starts and serves the
// others (removability_test.go). Without audit, audit-log events go to
// the structured log, which APP_ENV=prod refuses (docs/audit.md); without
// identity no token is accepted, so authenticated routes answer 401, and
// `zebra users` and `zebra seed` stop with one line naming the missing
// facade. No context needs another today; one that does takes the other's
// facade as a constructor argument, and the app then refuses to start
// without it, naming the missing type in one line.
var contexts = []fx.Option{
	audit.Module,
	identity.Module,
	activities.Module,
}

// newApp assembles the whole system for a command: the platform, the
// plugged contexts, and the command's own options. The command's options
// come first: a module listed there (platform.ServeJobs) is started before
// the HTTP server and so stopped after it.
func newApp(plugged []fx.Option, command ...fx.Option) *fx.App {
	if _, err := configSections(plugged); err != nil {
		// Every bad value is reported as such, before anything connects
		// (and before fx would dump its events for want of a logger).
		return fx.New(fx.NopLogger, fx.Error(err))
	}
	return fx.New(
		fx.WithLogger(platform.FxLogger),
		fx.Supply(platform.BuildInfo{Version: version}),
		fx.Options(command...),
		platform.Module,
		fx.Options(plugged...),
	)
}

// configSections parses and validates the configuration of the platform
// and of the plugged contexts, connecting nothing.
func configSections(plugged []fx.Option) ([]config.Section, error) {
	var in config.Sections
	if err := fx.New(fx.NopLogger, platform.Settings, fx.Options(plugged...), fx.Populate(&in)).Err(); err != nil {
		return nil, err
	}
	return in.Sections, nil
}

// command is one `zebra <name>` subcommand; args are the arguments after
// its name.
type command struct {
	name, summary string
	run           func(args []string) error
}

// commands are the subcommands, each in app/cmd_<name>.go exposing
// <name>Command(args []string) error. Add yours here.
func commands() []command {
	return []command{
		{"serve", "serve the HTTP API and, unless JOBS_IN_SERVE=false, the background jobs (the default)", serveCommand},
		{"worker", "run only the background jobs, with /healthz, /readyz and /metrics on HTTP_ADDR", workerCommand},
		{"schema", "plan | apply [--allow-destructive]: bring the database to the declarative schema", schemaCommand},
		{"config", "print the effective configuration, secrets redacted", configCommand},
		{"audit", "verify: recompute the audit hash chain (exit 1 when broken)", auditCommand},
		{"outbox", "list dead/pending outbox events; requeue <id> | --all-dead", outboxCommand},
		{"maintenance", "on --reason R [--retry-after 5m] | off | status: read-only mode on every replica (audited)", maintenanceCommand},
		{"users", "create-admin --email E --password P: bootstrap an admin (idempotent)", usersCommand},
		{"openapi", "[-o FILE]: print the OpenAPI document generated from the code (make openapi writes docs/openapi.json)", openapiCommand},
		{"seed", "create demo users and activities (idempotent; refused with APP_ENV=prod)", seedCommand},
		{"version", "print the version", versionCommand},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches args and returns the exit code: 0, 1 when the command
// failed (its error printed as one line per problem, without the fx
// wrapping), 2 for a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if name == "help" || (len(args) > 0 && (args[0] == "-h" || args[0] == "--help")) {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		if err := c.run(args); err != nil {
			fmt.Fprintln(stderr, describe(err))
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "zebra: unknown command %q\n", name)
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: zebra [command] [arguments]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nConfiguration comes from environment variables only; see .env.example or `zebra config`.")
}

// describe is what an operator needs from err: the error a constructor or
// hook returned, without fx's "could not build arguments for ..." chain.
func describe(err error) string {
	var usageErr *usageError
	if errors.As(err, &usageErr) {
		return usageErr.Error()
	}
	return dig.RootCause(err).Error()
}

// usageError is a command line mistake.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }
