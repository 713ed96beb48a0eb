package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/outbox"
)

const outboxUsage = `usage: zebra outbox [--dead | --pending] [--limit N]   list unpublished outbox events (dead first)
       zebra outbox requeue <id>                      make one unpublished event due now, with fresh attempts
       zebra outbox requeue --all-dead                requeue every dead event`

// outboxCommand runs `zebra outbox`: the operator's view of the
// transactional outbox in DATABASE_URL. Dead events (parked after
// OUTBOX_MAX_ATTEMPTS failures) and pending ones are listed; requeue puts
// events back in the queue once the cause is fixed. It needs Postgres only.
func outboxCommand(args []string) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	return withCommandDB(cfg, "outbox", func(ctx context.Context, db *gorm.DB) error {
		return runOutbox(ctx, db, args, os.Stdout)
	})
}

// runOutbox is outboxCommand with its inputs explicit, for tests.
func runOutbox(ctx context.Context, db *gorm.DB, args []string, out io.Writer) error {
	admin := outbox.NewAdmin(db)
	if len(args) > 0 && args[0] == "requeue" {
		return requeue(ctx, admin, args[1:], out)
	}
	fs := flag.NewFlagSet("zebra outbox", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dead := fs.Bool("dead", false, "only dead events")
	pending := fs.Bool("pending", false, "only pending events")
	limit := fs.Int("limit", 50, "at most this many events per state")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *limit < 1 || (*dead && *pending) {
		return &usageError{outboxUsage}
	}
	states := []outbox.State{outbox.StateDead, outbox.StatePending}
	switch {
	case *dead:
		states = states[:1]
	case *pending:
		states = states[1:]
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "STATE\tID\tTYPE\tAGGREGATE\tATTEMPTS\tCREATED\tNEXT ATTEMPT\tLAST ERROR")
	for _, s := range states {
		entries, err := admin.List(ctx, s, *limit)
		if err != nil {
			return err
		}
		for _, e := range entries {
			lastErr := ""
			if e.LastError != nil {
				lastErr = *e.LastError
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s/%s\t%d\t%s\t%s\t%s\n", s, e.ID, e.Type, e.AggregateType, e.AggregateID,
				e.Attempts, e.CreatedAt.UTC().Format(time.RFC3339), e.NextAttemptAt.UTC().Format(time.RFC3339), lastErr)
		}
	}
	return w.Flush()
}

func requeue(ctx context.Context, admin *outbox.Admin, args []string, out io.Writer) error {
	if len(args) != 1 {
		return &usageError{outboxUsage}
	}
	if args[0] == "--all-dead" {
		n, err := admin.RequeueAllDead(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "requeued %d dead event(s)\n", n)
		return nil
	}
	id, err := uuid.Parse(args[0])
	if err != nil {
		return &usageError{fmt.Sprintf("zebra outbox requeue: %q is not an event id\n%s", args[0], outboxUsage)}
	}
	if err := admin.Requeue(ctx, id); err != nil {
		if errors.Is(err, outbox.ErrNotRequeueable) {
			return fmt.Errorf("zebra outbox requeue: %s is not an unpublished outbox event", id)
		}
		return err
	}
	fmt.Fprintf(out, "requeued %s\n", id)
	return nil
}
