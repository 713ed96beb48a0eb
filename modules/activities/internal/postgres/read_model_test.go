package postgres_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity/activitytest"
	"github.com/zebralabs/zebra/modules/activities/internal/postgres"
	"github.com/zebralabs/zebra/platform/cache"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/redistest"

	"github.com/prometheus/client_golang/prometheus"
)

// seedOwner stores n activities for one owner, alternately planned and
// in progress, and returns their ids oldest first.
func seedOwner(t *testing.T, repo *postgres.Repository, owner uuid.UUID, n int) []uuid.UUID {
	t.Helper()
	ids := make([]uuid.UUID, n)
	for i := range n {
		st := activity.StatusPlanned
		if i%2 == 1 {
			st = activity.StatusInProgress
		}
		a, err := activity.New(activity.Draft{
			ID: uuid.Must(uuid.NewV7()), OwnerID: owner, Title: "Activity", Status: st,
			At: time.Now().UTC().Truncate(time.Millisecond),
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := repo.Add(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		ids[i] = a.ID()
	}
	return ids
}

func TestReadModel(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, postgres.SchemaSource())
	repo, read := postgres.NewRepository(db, nil), postgres.NewReadModel(db)
	alice, bob := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	aliceIDs := seedOwner(t, repo, alice, 6)
	seedOwner(t, repo, bob, 3)
	deleted := aliceIDs[5]
	if err := repo.Update(context.Background(), deleted, func(a *activity.Activity) error {
		return a.Delete(alice, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	if _, err := read.Activity(ctx, deleted); !errors.Is(err, activity.ErrNotFound) {
		t.Fatalf("deleted activity: err = %v, want not found", err)
	}
	v, err := read.Activity(ctx, aliceIDs[0])
	if err != nil || v.ID != aliceIDs[0] || v.OwnerID != alice || v.Version != 1 || v.CreatedAt.Location() != time.UTC {
		t.Fatalf("Activity = %+v, %v", v, err)
	}

	tests := []struct {
		name   string
		filter query.Filter
		want   []uuid.UUID
	}{
		{"owner, newest first, deleted hidden", query.Filter{OwnerID: &alice, Limit: 10}, []uuid.UUID{aliceIDs[4], aliceIDs[3], aliceIDs[2], aliceIDs[1], aliceIDs[0]}},
		{"owner and status", query.Filter{OwnerID: &alice, Status: "in_progress", Limit: 10}, []uuid.UUID{aliceIDs[3], aliceIDs[1]}},
		{"after a position", query.Filter{OwnerID: &alice, Before: &aliceIDs[3], Limit: 2}, []uuid.UUID{aliceIDs[2], aliceIDs[1]}},
		{"everyone", query.Filter{Limit: 100}, nil},
	}
	for _, tt := range tests {
		got, err := read.Activities(ctx, tt.filter)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if tt.want == nil {
			if len(got) != 8 {
				t.Errorf("%s: %d items, want 8", tt.name, len(got))
			}
			continue
		}
		if len(got) != len(tt.want) {
			t.Fatalf("%s: %d items, want %d", tt.name, len(got), len(tt.want))
		}
		for i := range got {
			if got[i].ID != tt.want[i] {
				t.Errorf("%s: item %d = %s, want %s", tt.name, i, got[i].ID, tt.want[i])
			}
		}
	}
	if n, err := read.CountActivities(ctx, alice); err != nil || n != 5 {
		t.Fatalf("CountActivities = %d, %v; want 5", n, err)
	}
}

// TestCachedReadModel proves a cached activity is refreshed by the
// repository's invalidation after a committed change.
func TestCachedReadModel(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, postgres.SchemaSource())
	rdb, keys := redistest.New(t)
	c, err := cache.New[query.Activity](rdb, prometheus.NewRegistry(), cache.Options{Name: "activities", Prefix: keys.Prefix()})
	if err != nil {
		t.Fatal(err)
	}
	repo := postgres.NewRepository(db, c)
	read := postgres.NewCachedReadModel(postgres.NewReadModel(db), c)
	a := activitytest.NewActivity(t, "Cached", nil)
	if err := repo.Add(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if v, err := read.Activity(ctx, a.ID()); err != nil || v.Title != "Cached" {
		t.Fatalf("first read: %+v %v", v, err)
	}
	// Change the row behind the cache's back: the cache still answers.
	if err := db.Exec(`UPDATE activities.activities SET title = 'Sneaky' WHERE id = ?`, a.ID()).Error; err != nil {
		t.Fatal(err)
	}
	if v, _ := read.Activity(ctx, a.ID()); v.Title != "Cached" {
		t.Fatalf("second read = %q, want the cached title", v.Title)
	}
	// A change through the repository invalidates it.
	err = repo.Update(ctx, a.ID(), func(a *activity.Activity) error {
		title := "Renamed"
		return a.Change(activity.Changes{Title: &title}, a.OwnerID(), time.Now().UTC())
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := read.Activity(ctx, a.ID()); v.Title != "Renamed" || v.Version != 2 {
		t.Fatalf("after update = %q v%d, want Renamed v2", v.Title, v.Version)
	}
}

// TestRepositoryCachesWhatItCommitted: after a committed change the
// repository puts the new version in the cache itself, so the next GET
// needs no SELECT, and it is what the database holds.
func TestRepositoryCachesWhatItCommitted(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, postgres.SchemaSource())
	rdb, keys := redistest.New(t)
	c, err := cache.New[query.Activity](rdb, prometheus.NewRegistry(), cache.Options{Name: "activities", Prefix: keys.Prefix()})
	if err != nil {
		t.Fatal(err)
	}
	repo := postgres.NewRepository(db, c)
	cached := postgres.NewCachedReadModel(postgres.NewReadModel(db), c)
	a := activitytest.NewActivity(t, "Before", nil)
	ctx := context.Background()
	if err := repo.Add(ctx, a); err != nil {
		t.Fatal(err)
	}
	err = database.NewUnitOfWork(db).Do(ctx, func(ctx context.Context) error {
		return repo.Update(ctx, a.ID(), func(a *activity.Activity) error {
			title := "After"
			return a.Change(activity.Changes{Title: &title}, a.OwnerID(), time.Now().UTC().Truncate(time.Millisecond))
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	fromDB, err := postgres.NewReadModel(db).Activity(ctx, a.ID())
	if err != nil {
		t.Fatal(err)
	}
	// Change the row behind the cache's back: the cache answers.
	if err := db.Exec(`UPDATE activities.activities SET title = 'Sneaky' WHERE id = ?`, a.ID()).Error; err != nil {
		t.Fatal(err)
	}
	got, err := cached.Activity(ctx, a.ID())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, fromDB) {
		t.Fatalf("cached %+v, want what the database held %+v", got, fromDB)
	}
}

// TestCachedReadModelInsideAUnitOfWork: inside a unit of work the cached
// read model reads the transaction, which sees its own uncommitted change,
// and keeps that change out of the cache; the change rolls back.
func TestCachedReadModelInsideAUnitOfWork(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, postgres.SchemaSource())
	rdb, keys := redistest.New(t)
	c, err := cache.New[query.Activity](rdb, prometheus.NewRegistry(), cache.Options{Name: "activities", Prefix: keys.Prefix()})
	if err != nil {
		t.Fatal(err)
	}
	repo := postgres.NewRepository(db, c)
	read := postgres.NewCachedReadModel(postgres.NewReadModel(db), c)
	a := activitytest.NewActivity(t, "Committed", nil)
	ctx := context.Background()
	if err := repo.Add(ctx, a); err != nil {
		t.Fatal(err)
	}
	err = database.NewUnitOfWork(db).Do(ctx, func(ctx context.Context) error {
		err := repo.Update(ctx, a.ID(), func(a *activity.Activity) error {
			title := "Uncommitted"
			return a.Change(activity.Changes{Title: &title}, a.OwnerID(), time.Now().UTC())
		})
		if err != nil {
			return err
		}
		if v, err := read.Activity(ctx, a.ID()); err != nil || v.Title != "Uncommitted" {
			t.Errorf("inside the unit of work: %q, %v; want its own change", v.Title, err)
		}
		return context.Canceled // roll back
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("unit of work: %v", err)
	}
	if v, err := read.Activity(ctx, a.ID()); err != nil || v.Title != "Committed" || v.Version != 1 {
		t.Fatalf("after the rollback: %q v%d, %v; want Committed v1", v.Title, v.Version, err)
	}
}

// TestWrittenViewIsWhatTheDatabaseHolds: the view a command answers with
// (query.ViewOf of the state it wrote, never read back) is exactly what
// the read model reads afterwards, after a create and after an update.
func TestWrittenViewIsWhatTheDatabaseHolds(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, postgres.SchemaSource())
	repo, read := postgres.NewRepository(db, nil), postgres.NewReadModel(db)
	desc := "described"
	a := activitytest.NewActivity(t, "Written", &desc)
	var written activity.State
	steps := []struct {
		name  string
		write func(ctx context.Context) error
	}{
		{"create", func(ctx context.Context) error { written = a.State(); return repo.Add(ctx, a) }},
		{"update", func(ctx context.Context) error {
			return repo.Update(ctx, a.ID(), func(a *activity.Activity) error {
				title, status := "Rewritten", activity.StatusInProgress
				err := a.Change(activity.Changes{Title: &title, Status: &status, DescriptionSet: true}, uuid.Must(uuid.NewV7()), time.Now().UTC().Truncate(time.Millisecond))
				written = a.State()
				return err
			})
		}},
	}
	uow := database.NewUnitOfWork(db)
	for _, tt := range steps {
		if err := uow.Do(context.Background(), tt.write); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got, err := read.Activity(context.Background(), a.ID())
		if err != nil {
			t.Fatal(err)
		}
		if want := query.ViewOf(written); !reflect.DeepEqual(want, got) {
			t.Fatalf("%s: answered %+v, the database holds %+v", tt.name, want, got)
		}
	}
}
