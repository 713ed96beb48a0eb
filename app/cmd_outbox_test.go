package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/outbox"
)

func TestOutboxListAndRequeue(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	w := outbox.NewWriter(db, outbox.NewSignal())
	if err := w.Publish(ctx,
		outbox.Event{AggregateType: "user", AggregateID: "u1", Type: "user.signed_up"},
		outbox.Event{AggregateType: "user", AggregateID: "u2", Type: "user.password_reset"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`UPDATE platform.outbox SET dead_at = now(), attempts = 10, last_error = 'WRONGTYPE boom'
		WHERE aggregate_id = 'u1'`).Error; err != nil {
		t.Fatal(err)
	}
	var deadID string
	if err := db.Raw("SELECT id::text FROM platform.outbox WHERE aggregate_id = 'u1'").Scan(&deadID).Error; err != nil {
		t.Fatal(err)
	}

	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := runOutbox(ctx, db, args, &out)
		return out.String(), err
	}
	out, err := run()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "dead") || !strings.Contains(lines[1], deadID) ||
		!strings.Contains(lines[1], "WRONGTYPE boom") || !strings.HasPrefix(lines[2], "pending") {
		t.Fatalf("listing:\n%s", out)
	}
	if out, _ = run("--pending"); strings.Contains(out, "dead ") {
		t.Fatalf("--pending listed dead rows:\n%s", out)
	}
	if out, err = run("requeue", "--all-dead"); err != nil || out != "requeued 1 dead event(s)\n" {
		t.Fatalf("requeue --all-dead: %q, %v", out, err)
	}
	if out, _ = run("--dead"); strings.Count(out, "\n") != 1 {
		t.Fatalf("dead rows left after requeue:\n%s", out)
	}
	if out, err = run("requeue", deadID); err != nil || out != "requeued "+deadID+"\n" {
		t.Fatalf("requeue id: %q, %v", out, err)
	}
	if _, err = run("requeue", "01900000-0000-7000-8000-000000000000"); err == nil {
		t.Fatal("requeue of an unknown id must fail")
	}

	var usage *usageError
	for _, args := range [][]string{{"requeue"}, {"requeue", "nope"}, {"--dead", "--pending"}, {"--limit", "0"}, {"extra"}} {
		if _, err := run(args...); !errors.As(err, &usage) {
			t.Errorf("args %q: got %v, want a usage error", args, err)
		}
	}
}
