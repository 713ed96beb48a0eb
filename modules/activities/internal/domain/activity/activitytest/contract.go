package activitytest

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
)

// RunContract runs the repository contract against the repository that
// newRepo returns (a fresh one per call is not required: every case uses
// new ids).
func RunContract(t *testing.T, newRepo func(t *testing.T) activity.Repository) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, repo activity.Repository)
	}{
		{"add then load round-trips every field", testRoundTrip},
		{"add twice is an error", testAddTwice},
		{"update of an unknown id is not found", testUpdateUnknown},
		{"update saves the change", testUpdateSaves},
		{"update without a change writes nothing", testUpdateNoChange},
		{"an error from fn saves nothing", testUpdateFnError},
		{"a deleted activity is not found", testDeletedNotFound},
		{"of 20 concurrent writers of one version exactly one wins", testConcurrentWriters},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, newRepo(t))
		})
	}
}

// Load reads the stored state of id through Update without changing it.
func Load(t *testing.T, repo activity.Repository, id uuid.UUID) activity.State {
	t.Helper()
	var s activity.State
	if err := repo.Update(context.Background(), id, func(a *activity.Activity) error {
		s = a.State()
		return nil
	}); err != nil {
		t.Fatalf("load %s: %v", id, err)
	}
	return s
}

// NewActivity returns a valid new activity owned by a fresh user.
func NewActivity(t *testing.T, title string, description *string) *activity.Activity {
	t.Helper()
	at := time.Now().UTC().Truncate(time.Millisecond)
	a, err := activity.New(activity.Draft{
		ID: uuid.Must(uuid.NewV7()), OwnerID: uuid.Must(uuid.NewV7()), Title: title, Description: description, At: at,
	})
	if err != nil {
		t.Fatalf("new activity: %v", err)
	}
	return a
}

func add(t *testing.T, repo activity.Repository, a *activity.Activity) {
	t.Helper()
	if err := repo.Add(context.Background(), a); err != nil {
		t.Fatalf("add: %v", err)
	}
}

func testRoundTrip(t *testing.T, repo activity.Repository) {
	desc := "with a description ✓"
	for _, a := range []*activity.Activity{NewActivity(t, "Round trip", &desc), NewActivity(t, "No description", nil)} {
		add(t, repo, a)
		if got, want := Load(t, repo, a.ID()), a.State(); !statesEqual(got, want) {
			t.Fatalf("loaded %+v\nwant   %+v", got, want)
		}
	}
}

func testAddTwice(t *testing.T, repo activity.Repository) {
	a := NewActivity(t, "Twice", nil)
	add(t, repo, a)
	if err := repo.Add(context.Background(), a); err == nil {
		t.Fatal("second Add succeeded")
	}
}

func testUpdateUnknown(t *testing.T, repo activity.Repository) {
	called := false
	err := repo.Update(context.Background(), uuid.Must(uuid.NewV7()), func(*activity.Activity) error {
		called = true
		return nil
	})
	if !errors.Is(err, activity.ErrNotFound) || called {
		t.Fatalf("err = %v, called = %v; want ErrNotFound without calling fn", err, called)
	}
}

func testUpdateSaves(t *testing.T, repo activity.Repository) {
	a := NewActivity(t, "Before", nil)
	add(t, repo, a)
	title, by, at := "After", uuid.Must(uuid.NewV7()), time.Now().UTC().Truncate(time.Millisecond)
	var want activity.State
	err := repo.Update(context.Background(), a.ID(), func(a *activity.Activity) error {
		st := activity.StatusInProgress
		if err := a.Change(activity.Changes{Title: &title, Status: &st}, by, at); err != nil {
			return err
		}
		want = a.State()
		return nil
	})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if got := Load(t, repo, a.ID()); !statesEqual(got, want) || got.Version != 2 {
		t.Fatalf("loaded %+v\nwant   %+v", got, want)
	}
}

func testUpdateNoChange(t *testing.T, repo activity.Repository) {
	a := NewActivity(t, "Same", nil)
	add(t, repo, a)
	same := "Same"
	err := repo.Update(context.Background(), a.ID(), func(a *activity.Activity) error {
		return a.Change(activity.Changes{Title: &same}, uuid.Must(uuid.NewV7()), time.Now())
	})
	if err != nil || Load(t, repo, a.ID()).Version != 1 {
		t.Fatalf("err = %v, version = %d; want nil at version 1", err, Load(t, repo, a.ID()).Version)
	}
}

func testUpdateFnError(t *testing.T, repo activity.Repository) {
	a := NewActivity(t, "Keep", nil)
	add(t, repo, a)
	boom := errors.New("boom")
	err := repo.Update(context.Background(), a.ID(), func(a *activity.Activity) error {
		title := "Changed"
		_ = a.Change(activity.Changes{Title: &title}, a.OwnerID(), time.Now())
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if got := Load(t, repo, a.ID()); got.Title != "Keep" || got.Version != 1 {
		t.Fatalf("a failed update was saved: %+v", got)
	}
}

func testDeletedNotFound(t *testing.T, repo activity.Repository) {
	a := NewActivity(t, "Doomed", nil)
	add(t, repo, a)
	err := repo.Update(context.Background(), a.ID(), func(a *activity.Activity) error {
		return a.Delete(a.OwnerID(), time.Now().UTC().Truncate(time.Millisecond))
	})
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	err = repo.Update(context.Background(), a.ID(), func(*activity.Activity) error { return nil })
	if !errors.Is(err, activity.ErrNotFound) {
		t.Fatalf("update after delete: err = %v, want ErrNotFound", err)
	}
}

func testConcurrentWriters(t *testing.T, repo activity.Repository) {
	a := NewActivity(t, "Contended", nil)
	add(t, repo, a)
	const writers = 20
	var wins, stale atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range writers {
		wg.Go(func() {
			<-start
			err := repo.Update(context.Background(), a.ID(), func(a *activity.Activity) error {
				if err := a.ExpectVersion(1); err != nil {
					return err
				}
				title := "Writer " + string(rune('A'+i))
				return a.Change(activity.Changes{Title: &title}, a.OwnerID(), time.Now())
			})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, activity.ErrVersionMismatch):
				stale.Add(1)
			default:
				t.Errorf("writer %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 || stale.Load() != writers-1 {
		t.Fatalf("wins = %d, stale = %d; want 1 and %d", wins.Load(), stale.Load(), writers-1)
	}
	if v := Load(t, repo, a.ID()).Version; v != 2 {
		t.Fatalf("version = %d, want 2", v)
	}
}

// statesEqual compares states, times by instant (storage may change the
// location).
func statesEqual(a, b activity.State) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) || !a.UpdatedAt.Equal(b.UpdatedAt) {
		return false
	}
	if (a.DeletedAt == nil) != (b.DeletedAt == nil) || (a.DeletedAt != nil && !a.DeletedAt.Equal(*b.DeletedAt)) {
		return false
	}
	a.CreatedAt, a.UpdatedAt, a.DeletedAt = b.CreatedAt, b.UpdatedAt, b.DeletedAt
	return reflect.DeepEqual(a, b)
}
