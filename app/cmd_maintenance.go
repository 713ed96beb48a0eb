package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"strings"
	"syscall"
	"time"

	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/maintenance"
	"github.com/zebralabs/zebra/platform/redisdb"
)

const maintenanceUsage = `usage: zebra maintenance on --reason TEXT [--retry-after 5m] [--by NAME]
       zebra maintenance off [--reason TEXT] [--by NAME]
       zebra maintenance status
    on:  every replica sharing REDIS_URL and REDIS_PREFIX refuses every mutation
         with 503 maintenance and Retry-After (--retry-after, whole seconds,
         1s..24h); reads keep working and /readyz reports "maintenance":"on"
    off: mutations are accepted again
    on and off are recorded in the audit log as cli:NAME (--by, default the
    OS user) with the reason; each prints the resulting state as JSON`

// maintenanceCommand runs `zebra maintenance on|off|status`, the command
// line of the read-only maintenance mode (platform/maintenance; the admin
// endpoint PUT /v1/admin/maintenance does the same over HTTP). on and off
// need Redis and Postgres (the change is audited there); status needs
// Redis only.
func maintenanceCommand(args []string) error {
	if len(args) == 0 {
		return &usageError{maintenanceUsage}
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "status":
		if len(rest) > 0 {
			return &usageError{maintenanceUsage}
		}
	case "on", "off":
	default:
		return &usageError{maintenanceUsage}
	}
	change, by, err := parseMaintenance(sub, rest)
	if err != nil {
		return err
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if sub == "status" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return runMaintenanceStatus(ctx, cfg, os.Stdout)
	}
	return withCommandDB(cfg, "maintenance", func(ctx context.Context, db *gorm.DB) error {
		return runMaintenanceSet(ctx, cfg, db, "cli:"+by, change, os.Stdout)
	})
}

// parseMaintenance reads the flags of on and off.
func parseMaintenance(sub string, args []string) (maintenance.Change, string, error) {
	fs := flag.NewFlagSet(sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	reason := fs.String("reason", "", "why (required for on)")
	by := fs.String("by", osUser(), "who, as recorded in the audit log (cli:NAME)")
	var retry time.Duration
	if sub == "on" {
		fs.DurationVar(&retry, "retry-after", maintenance.DefaultRetryAfter, "Retry-After of refused mutations")
	}
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || strings.TrimSpace(*by) == "" {
		return maintenance.Change{}, "", &usageError{maintenanceUsage}
	}
	return maintenance.Change{Enabled: sub == "on", RetryAfter: retry, Reason: *reason}, strings.TrimSpace(*by), nil
}

// osUser is the default --by: the operator's login name, or "unknown".
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if name := os.Getenv("USER"); name != "" {
		return name
	}
	return "unknown"
}

// runMaintenanceSet is `zebra maintenance on|off` with its inputs
// explicit, for tests: the change goes through the platform's maintenance
// service over db, so it is audited exactly as the admin endpoint's.
func runMaintenanceSet(ctx context.Context, cfg config.Config, db *gorm.DB, actor string, c maintenance.Change, out io.Writer) error {
	var svc *maintenance.Service
	if err := assembleOver(cfg, db, &svc); err != nil {
		return err
	}
	st, err := svc.Set(ctx, actor, c)
	if err != nil {
		return describeMaintenanceError(err)
	}
	return printState(out, st)
}

// runMaintenanceStatus is `zebra maintenance status`: the flag as Redis
// holds it now.
func runMaintenanceStatus(ctx context.Context, cfg config.Config, out io.Writer) error {
	client, err := redisdb.Open(ctx, cfg.Redis)
	if err != nil {
		return err
	}
	defer client.Close()
	st, err := maintenance.NewSwitch(client, redisdb.NewKeyspace(cfg.Redis), nil).State(ctx)
	if err != nil {
		return err
	}
	return printState(out, st)
}

func printState(out io.Writer, st maintenance.State) error {
	b, err := json.Marshal(st.Document())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, string(b))
	return err
}

// describeMaintenanceError turns a validation error into one line per
// field, e.g. "maintenance: reason: is required ...", and keeps the cause
// of any other (an unreachable Redis says which).
func describeMaintenanceError(err error) error {
	e, ok := apperr.As(err)
	if !ok {
		return fmt.Errorf("maintenance: %w", err)
	}
	if e.Code != apperr.CodeValidationFailed {
		if e.Cause != nil {
			return fmt.Errorf("maintenance: %s: %w", e.Message, e.Cause)
		}
		return fmt.Errorf("maintenance: %s", e.Message)
	}
	fields, _ := e.Details["fields"].([]apperr.FieldError)
	lines := make([]string, 0, len(fields))
	for _, f := range fields {
		name := f.Field
		if name == "retryAfterSeconds" {
			name = "--retry-after"
		} else {
			name = "--" + name
		}
		lines = append(lines, "maintenance: "+name+": "+f.Message)
	}
	return errors.New(strings.Join(lines, "\n"))
}
