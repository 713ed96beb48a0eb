package query_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/pagination"
)

// fakeReadModel serves views from a slice, newest (largest id) first.
type fakeReadModel struct {
	mu    sync.Mutex
	views []query.Activity
	calls int
}

func (f *fakeReadModel) Activity(_ context.Context, id uuid.UUID) (query.Activity, error) {
	for _, v := range f.views {
		if v.ID == id {
			return v, nil
		}
	}
	return query.Activity{}, activity.ErrNotFound
}

func (f *fakeReadModel) CountActivities(_ context.Context, owner uuid.UUID) (int, error) {
	n := 0
	for _, v := range f.views {
		if v.OwnerID == owner {
			n++
		}
	}
	return n, nil
}

func (f *fakeReadModel) Activities(_ context.Context, flt query.Filter) ([]query.Activity, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	var out []query.Activity
	for _, v := range f.views {
		switch {
		case flt.OwnerID != nil && v.OwnerID != *flt.OwnerID,
			flt.Status != "" && v.Status != flt.Status,
			flt.Before != nil && v.ID.String() >= flt.Before.String():
			continue
		}
		out = append(out, v)
		if len(out) == flt.Limit {
			break
		}
	}
	return out, nil
}

var (
	alice   = auth.NewPrincipal(uuid.Must(uuid.NewV7()), []auth.Role{auth.RoleMember}, permission.Grants)
	bob     = auth.NewPrincipal(uuid.Must(uuid.NewV7()), []auth.Role{auth.RoleMember}, permission.Grants)
	admin   = auth.NewPrincipal(uuid.Must(uuid.NewV7()), []auth.Role{auth.RoleAdmin}, permission.Grants)
	auditor = auth.NewPrincipal(uuid.Must(uuid.NewV7()), []auth.Role{auth.RoleAuditor}, permission.Grants)
)

func as(p auth.Principal) context.Context { return auth.WithPrincipal(context.Background(), p) }

// seed returns a read model with n activities for alice and n for bob,
// alternating, the odd ones done.
func seed(n int) *fakeReadModel {
	f := &fakeReadModel{}
	for i := range 2 * n {
		owner, status := alice.UserID, "planned"
		if i%2 == 1 {
			owner = bob.UserID
		}
		if i%4 >= 2 {
			status = "done"
		}
		f.views = append(f.views, query.Activity{ID: uuid.Must(uuid.NewV7()), OwnerID: owner, Status: status, Version: 1})
	}
	slices.Reverse(f.views)
	return f
}

func TestGetActivity(t *testing.T) {
	t.Parallel()
	read := seed(1)
	alices := read.views[1]
	tests := []struct {
		name     string
		ctx      context.Context
		id       uuid.UUID
		wantCode apperr.Code
		notFound bool
	}{
		{"owner", as(alice), alices.ID, "", false},
		{"admin", as(admin), alices.ID, "", false},
		{"another member", as(bob), alices.ID, "", true},
		{"unknown", as(alice), uuid.Must(uuid.NewV7()), "", true},
		{"auditor", as(auditor), alices.ID, apperr.CodeForbidden, false},
		{"anonymous", context.Background(), alices.ID, apperr.CodeUnauthorized, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := query.NewGetActivityHandler(read).Handle(tt.ctx, query.GetActivity{ID: tt.id})
			switch {
			case tt.wantCode != "":
				if apperr.CodeOf(err) != tt.wantCode {
					t.Fatalf("err = %v, want %s", err, tt.wantCode)
				}
			case tt.notFound:
				if !errors.Is(err, activity.ErrNotFound) {
					t.Fatalf("err = %v, want not found", err)
				}
			case err != nil || v.ID != tt.id:
				t.Fatalf("got %v, %v", v.ID, err)
			}
		})
	}
}

func TestListActivities(t *testing.T) {
	t.Parallel()
	read := seed(25) // 25 each for alice and bob; 12 or 13 of each done
	cursors := pagination.NewCodec("test")
	h := query.NewListActivitiesHandler(read, cursors)
	tests := []struct {
		name      string
		ctx       context.Context
		q         query.ListActivities
		wantTotal int
		wantOwner *uuid.UUID // every item owned by
		wantCode  apperr.Code
	}{
		{"member sees own", as(alice), query.ListActivities{Limit: 7}, 25, &alice.UserID, ""},
		{"member filters own by status", as(alice), query.ListActivities{Limit: 5, Status: "done"}, 12, &alice.UserID, ""},
		{"member asking for another owner sees nothing", as(alice), query.ListActivities{OwnerID: &bob.UserID}, 0, nil, ""},
		{"member naming themself", as(alice), query.ListActivities{OwnerID: &alice.UserID}, 25, &alice.UserID, ""},
		{"admin sees everyone's", as(admin), query.ListActivities{Limit: 100}, 50, nil, ""},
		{"admin filters by owner", as(admin), query.ListActivities{Limit: 3, OwnerID: &bob.UserID}, 25, &bob.UserID, ""},
		{"default limit", as(admin), query.ListActivities{}, 50, nil, ""},
		{"limit too big", as(alice), query.ListActivities{Limit: 101}, 0, nil, apperr.CodeValidationFailed},
		{"negative limit", as(alice), query.ListActivities{Limit: -1}, 0, nil, apperr.CodeValidationFailed},
		{"forged cursor", as(alice), query.ListActivities{Cursor: "abc.def"}, 0, nil, apperr.CodeInvalidCursor},
		{"auditor", as(auditor), query.ListActivities{}, 0, nil, apperr.CodeForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.wantCode != "" {
				_, err := h.Handle(tt.ctx, tt.q)
				if apperr.CodeOf(err) != tt.wantCode {
					t.Fatalf("err = %v, want %s", err, tt.wantCode)
				}
				return
			}
			seen := walk(t, h, tt.ctx, tt.q)
			if len(seen) != tt.wantTotal {
				t.Fatalf("walked %d items, want %d", len(seen), tt.wantTotal)
			}
			for i, v := range seen {
				if tt.wantOwner != nil && v.OwnerID != *tt.wantOwner {
					t.Fatalf("item %d owned by %s", i, v.OwnerID)
				}
				if i > 0 && seen[i-1].ID.String() <= v.ID.String() {
					t.Fatalf("not newest first at %d", i)
				}
			}
		})
	}
}

// TestCursorBoundToList proves a cursor of one list is invalid on another.
func TestCursorBoundToList(t *testing.T) {
	t.Parallel()
	h := query.NewListActivitiesHandler(seed(5), pagination.NewCodec("test"))
	page, err := h.Handle(as(admin), query.ListActivities{Limit: 2})
	if err != nil || page.NextCursor == nil {
		t.Fatalf("first page: %v %v", page.NextCursor, err)
	}
	tests := []struct {
		name string
		ctx  context.Context
		q    query.ListActivities
	}{
		{"other status", as(admin), query.ListActivities{Limit: 2, Status: "done", Cursor: *page.NextCursor}},
		{"other owner", as(admin), query.ListActivities{Limit: 2, OwnerID: &alice.UserID, Cursor: *page.NextCursor}},
		{"other caller", as(alice), query.ListActivities{Limit: 2, Cursor: *page.NextCursor}},
	}
	for _, tt := range tests {
		if _, err := h.Handle(tt.ctx, tt.q); apperr.CodeOf(err) != apperr.CodeInvalidCursor {
			t.Errorf("%s: err = %v, want invalid_cursor", tt.name, err)
		}
	}
}

func walk(t *testing.T, h query.ListActivitiesHandler, ctx context.Context, q query.ListActivities) []query.Activity {
	t.Helper()
	var all []query.Activity
	for range 100 {
		page, err := h.Handle(ctx, q)
		if err != nil {
			t.Fatalf("page: %v", err)
		}
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all
		}
		q.Cursor = *page.NextCursor
	}
	t.Fatal("walk did not end")
	return nil
}
