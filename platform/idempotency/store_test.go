package idempotency_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/idempotency"
)

// TestAbandonedKeyIsTakenOverOnce: when a replica died with a key
// started, of several retries arriving together exactly one takes it
// over; the others see it in flight.
func TestAbandonedKeyIsTakenOverOnce(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	store := idempotency.NewStore(db, 24*time.Hour, time.Minute)
	ctx := context.Background()
	if err := db.Exec(`INSERT INTO platform.idempotency_keys (scope, key, fingerprint, state, locked_at)
		VALUES ('user:x', 'k', 'fp', 'started', now() - interval '5 minutes')`).Error; err != nil {
		t.Fatal(err)
	}
	const retries = 10
	var mu sync.Mutex
	claimed, inFlight := 0, 0
	var wg sync.WaitGroup
	for range retries {
		wg.Go(func() {
			got, _, err := store.Claim(ctx, "user:x", "k", "fp")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Errorf("Claim: %v", err)
			case got == idempotency.Claimed:
				claimed++
			case got == idempotency.InFlight:
				inFlight++
			}
		})
	}
	wg.Wait()
	if claimed != 1 || inFlight != retries-1 {
		t.Fatalf("claimed=%d in flight=%d, want 1 and %d", claimed, inFlight, retries-1)
	}
}

// TestCleanupJobStopsWithItsContext: Run sweeps at once and returns nil
// when the context is cancelled.
func TestCleanupJobStopsWithItsContext(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	store := idempotency.NewStore(db, time.Hour, time.Minute)
	if err := db.Exec(`INSERT INTO platform.idempotency_keys (scope, key, fingerprint, state, locked_at, created_at)
		VALUES ('ip:1', 'old', 'fp', 'completed', now(), now() - interval '2 hours')`).Error; err != nil {
		t.Fatal(err)
	}
	job := idempotency.NewCleanupJob(store, idempotency.Config{CleanupInterval: time.Hour}, zap.NewNop())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- job.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int64
		db.Raw(`SELECT count(*) FROM platform.idempotency_keys`).Scan(&n)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first sweep did not delete the expired key")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil on cancellation", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancellation")
	}
}
