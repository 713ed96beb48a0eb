package faults

import (
	"context"
	"testing"
	"time"
)

// checkConsistency queries the binary's database directly once the
// faults are over: every activity is stored once with exactly one
// "activity.created" audit event and one outbox row (so every 2xx create
// the load saw is there, and no fault left half a command behind or made
// a retry duplicate one), and the outbox drains to Redis.
func checkConsistency(t *testing.T, e *env) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var created []string
	for _, w := range e.workers {
		created = append(created, w.created...)
	}
	if len(created) < 100 {
		t.Errorf("only %d creates succeeded over all scenarios", len(created))
	}

	missing := 0
	for id, n := range storedTimes(ctx, t, e, created) {
		if n != 1 {
			missing++
			t.Errorf("activity %s answered 201 but is stored %d times", id, n)
		}
	}

	queries := []struct {
		what, q string
	}{
		{"activities without exactly one created audit event",
			`SELECT count(*) FROM activities.activities a
			 WHERE (SELECT count(*) FROM audit.events e WHERE e.entity_type = 'activity' AND e.entity_id = a.id::text AND e.action = 'activity.created') <> 1`},
		{"activities without exactly one created outbox row",
			`SELECT count(*) FROM activities.activities a
			 WHERE (SELECT count(*) FROM platform.outbox o WHERE o.aggregate_type = 'activity' AND o.aggregate_id = a.id::text AND o.event_type = 'activity.created') <> 1`},
		{"created audit events without their activity",
			`SELECT count(*) FROM audit.events e WHERE e.action = 'activity.created'
			 AND NOT EXISTS (SELECT 1 FROM activities.activities a WHERE a.id::text = e.entity_id)`},
		{"created outbox rows without their activity",
			`SELECT count(*) FROM platform.outbox o WHERE o.event_type = 'activity.created'
			 AND NOT EXISTS (SELECT 1 FROM activities.activities a WHERE a.id::text = o.aggregate_id)`},
		{"titles stored more than once (a request applied twice)",
			`SELECT count(*) FROM (SELECT title FROM activities.activities GROUP BY title HAVING count(*) > 1) d`},
	}
	for _, q := range queries {
		var n int
		if err := e.db.QueryRowContext(ctx, q.q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q.what, err)
		}
		if n != 0 {
			t.Errorf("%d %s", n, q.what)
		}
	}

	var stored int
	if err := e.db.QueryRowContext(ctx, `SELECT count(*) FROM activities.activities`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var pending int
	for time.Since(start) < 45*time.Second {
		if err := e.db.QueryRowContext(ctx, `SELECT count(*) FROM platform.outbox WHERE published_at IS NULL`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if pending != 0 {
		t.Errorf("%d outbox rows still unpublished 45s after the last fault", pending)
	}
	t.Logf("consistency: %d creates answered 201, %d activities stored (the rest answered 503/504 after committing or before), %d missing; outbox drained %s after the last fault",
		len(created), stored, missing, ms(time.Since(start)))
}

// storedTimes counts, for each id, the activities stored under it.
func storedTimes(ctx context.Context, t *testing.T, e *env, ids []string) map[string]int {
	t.Helper()
	rows, err := e.db.QueryContext(ctx, `SELECT s.sent, (SELECT count(*) FROM activities.activities a WHERE a.id::text = s.sent)
		FROM unnest($1::text[]) AS s(sent)`, ids)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := make(map[string]int, len(ids))
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
