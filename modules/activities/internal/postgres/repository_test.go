package postgres_test

import (
	"context"
	"testing"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity/activitytest"
	"github.com/zebralabs/zebra/modules/activities/internal/postgres"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// TestRepositoryContract runs the contract suite that the in-memory fake
// also passes, on a real PostgreSQL database.
func TestRepositoryContract(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, postgres.SchemaSource())
	activitytest.RunContract(t, func(*testing.T) activity.Repository { return postgres.NewRepository(db, nil) })
}

// TestRepositoryRollsBackWithTheUnitOfWork proves the repository writes
// through the transaction in the context.
func TestRepositoryRollsBackWithTheUnitOfWork(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, postgres.SchemaSource())
	repo := postgres.NewRepository(db, nil)
	a := activitytest.NewActivity(t, "Rolled back", nil)
	err := database.NewUnitOfWork(db).Do(context.Background(), func(ctx context.Context) error {
		if err := repo.Add(ctx, a); err != nil {
			return err
		}
		return context.Canceled // any error rolls back
	})
	if err == nil {
		t.Fatal("unit of work succeeded")
	}
	var n int64
	if err := db.Table("activities.activities").Where("id = ?", a.ID()).Count(&n).Error; err != nil || n != 0 {
		t.Fatalf("count = %d, %v; want the insert rolled back", n, err)
	}
}

// recordingInvalidator remembers what the repository invalidated.
type recordingInvalidator struct{ keys []string }

func (r *recordingInvalidator) Invalidate(_ context.Context, key string, version int64) {
	r.keys = append(r.keys, key)
	_ = version
}

// TestRepositoryInvalidatesAfterCommitOnly proves the cache is invalidated
// only once the change is committed, never for a rolled-back change.
func TestRepositoryInvalidatesAfterCommitOnly(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, postgres.SchemaSource())
	inv := &recordingInvalidator{}
	repo := postgres.NewRepository(db, inv)
	uow := database.NewUnitOfWork(db)
	a := activitytest.NewActivity(t, "Cached", nil)
	if err := repo.Add(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	rename := func(title string, fail bool) error {
		return uow.Do(context.Background(), func(ctx context.Context) error {
			err := repo.Update(ctx, a.ID(), func(a *activity.Activity) error {
				return a.Change(activity.Changes{Title: &title}, a.OwnerID(), a.State().UpdatedAt)
			})
			if err != nil || !fail {
				return err
			}
			if len(inv.keys) != 0 {
				t.Error("invalidated before commit")
			}
			return context.Canceled
		})
	}
	if err := rename("Rolled back", true); err == nil {
		t.Fatal("expected the unit of work to fail")
	}
	if len(inv.keys) != 0 {
		t.Fatalf("invalidated %v for a rolled-back change", inv.keys)
	}
	if err := rename("Committed", false); err != nil {
		t.Fatal(err)
	}
	if len(inv.keys) != 1 || inv.keys[0] != a.ID().String() {
		t.Fatalf("invalidated %v, want [%s]", inv.keys, a.ID())
	}
}
