package query_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
)

// TestGetActivityAnswersWhatTheRequestWrote: under WithWritten, an
// activity the request wrote is answered as written, without the read
// model, and still only to whom may see it; nothing leaks to other
// requests.
func TestGetActivityAnswersWhatTheRequestWrote(t *testing.T) {
	t.Parallel()
	read := &fakeReadModel{} // knows nothing: any answer comes from the memory
	h := query.NewGetActivityHandler(read)
	v := query.Activity{ID: uuid.Must(uuid.NewV7()), OwnerID: alice.UserID, Title: "Just written", Status: "planned", Version: 3}

	ctx := query.WithWritten(as(alice))
	query.Remember(ctx, v)
	if got, err := h.Handle(ctx, query.GetActivity{ID: v.ID}); err != nil || got != v {
		t.Fatalf("owner: %+v, %v; want %+v", got, err, v)
	}

	other := query.WithWritten(as(bob))
	query.Remember(other, v)
	if _, err := h.Handle(other, query.GetActivity{ID: v.ID}); !errors.Is(err, activity.ErrNotFound) {
		t.Fatalf("another member: %v, want not found", err)
	}

	if _, err := h.Handle(query.WithWritten(as(alice)), query.GetActivity{ID: v.ID}); !errors.Is(err, activity.ErrNotFound) {
		t.Fatalf("another request: %v, want not found (read model)", err)
	}

	query.Forget(ctx, v.ID)
	if _, err := h.Handle(ctx, query.GetActivity{ID: v.ID}); !errors.Is(err, activity.ErrNotFound) {
		t.Fatalf("after Forget: %v, want not found (read model)", err)
	}
	query.Remember(as(alice), v) // without WithWritten: nothing to remember in, no panic
}
