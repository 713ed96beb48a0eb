package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zebralabs/zebra/platform/dbtest"
)

// TestSeedCreatesDemoDataOnceAndReportsWhatExists runs `zebra seed` twice
// on a fresh database: the first run creates the three users and their
// activities (with audit and outbox events), the second creates nothing
// and says what existed.
func TestSeedCreatesDemoDataOnceAndReportsWhatExists(t *testing.T) {
	t.Parallel()
	seedDB := dbtest.New(t, mustSources(t)...)
	// runSeed works on the handle it is given; the URL is not dialled.
	cfg := schemaConfig(t, "postgres://postgres@127.0.0.1:5432/unused?sslmode=disable", false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var first, second bytes.Buffer
	if err := runSeed(ctx, cfg, seedDB, "zebra-demo-password", 8, &first); err != nil {
		t.Fatalf("first seed: %v", err)
	}
	if err := runSeed(ctx, cfg, seedDB, "zebra-demo-password", 8, &second); err != nil {
		t.Fatalf("second seed: %v", err)
	}
	for _, want := range []string{"admin@zebra.test", "alice@zebra.test", "bob@zebra.test"} {
		if !strings.Contains(first.String(), want) {
			t.Errorf("first run does not mention %s:\n%s", want, first.String())
		}
	}
	if !strings.Contains(first.String(), "0 existed, 8 created") || !strings.Contains(first.String(), "0 existed, 2 created") {
		t.Errorf("first run:\n%s", first.String())
	}
	if strings.Count(second.String(), "0 created") != 3 || !strings.Contains(second.String(), "8 existed") {
		t.Errorf("second run created something:\n%s", second.String())
	}
	var activities, users, outbox int64
	seedDB.Raw(`SELECT count(*) FROM activities.activities`).Scan(&activities)
	seedDB.Raw(`SELECT count(*) FROM identity.users`).Scan(&users)
	seedDB.Raw(`SELECT count(*) FROM platform.outbox WHERE event_type = 'activity.created'`).Scan(&outbox)
	if activities != 18 || users != 3 || outbox != 18 {
		t.Fatalf("activities=%d users=%d activity.created events=%d, want 18, 3, 18", activities, users, outbox)
	}
}
