package activity_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
)

func ptr[T any](v T) *T { return &v }

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		draft     activity.Draft
		wantField string // "" means valid
		wantTitle string
		wantState activity.Status
	}{
		{"minimal", activity.Draft{Title: "Run"}, "", "Run", activity.StatusPlanned},
		{"trimmed", activity.Draft{Title: "  Run \t"}, "", "Run", activity.StatusPlanned},
		{"one char", activity.Draft{Title: "x"}, "", "x", activity.StatusPlanned},
		{"200 chars", activity.Draft{Title: strings.Repeat("é", 200)}, "", strings.Repeat("é", 200), activity.StatusPlanned},
		{"200 chars after trim", activity.Draft{Title: " " + strings.Repeat("a", 200) + " "}, "", strings.Repeat("a", 200), activity.StatusPlanned},
		{"with status", activity.Draft{Title: "Run", Status: activity.StatusInProgress}, "", "Run", activity.StatusInProgress},
		{"created done", activity.Draft{Title: "Run", Status: activity.StatusDone}, "", "Run", activity.StatusDone},
		{"description 5000", activity.Draft{Title: "Run", Description: ptr(strings.Repeat("ü", 5000))}, "", "Run", activity.StatusPlanned},
		{"description empty", activity.Draft{Title: "Run", Description: ptr("")}, "", "Run", activity.StatusPlanned},
		{"description with newlines", activity.Draft{Title: "Run", Description: ptr("a\nb\tc")}, "", "Run", activity.StatusPlanned},
		{"empty title", activity.Draft{Title: ""}, "title", "", ""},
		{"blank title", activity.Draft{Title: " \t\n "}, "title", "", ""},
		{"201 chars", activity.Draft{Title: strings.Repeat("a", 201)}, "title", "", ""},
		{"newline inside", activity.Draft{Title: "a\nb"}, "title", "", ""},
		{"NUL", activity.Draft{Title: "a\x00b"}, "title", "", ""},
		{"DEL", activity.Draft{Title: "a\x7fb"}, "title", "", ""},
		{"C1 control", activity.Draft{Title: "a\u0085b"}, "title", "", ""},
		{"invalid UTF-8", activity.Draft{Title: "a\xffb"}, "title", "", ""},
		{"description 5001", activity.Draft{Title: "Run", Description: ptr(strings.Repeat("a", 5001))}, "description", "", ""},
		{"unknown status", activity.Draft{Title: "Run", Status: "paused"}, "status", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := tt.draft
			d.ID, d.OwnerID, d.At = uuid.New(), uuid.New(), time.Now()
			a, err := activity.New(d)
			if tt.wantField != "" {
				var ve *activity.ValidationError
				if !errors.As(err, &ve) || ve.Field != tt.wantField || a != nil {
					t.Fatalf("New = %v, %v; want ValidationError on %q", a, err, tt.wantField)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			s := a.State()
			want := activity.State{
				ID: d.ID, OwnerID: d.OwnerID, Title: tt.wantTitle, Description: d.Description, Status: tt.wantState,
				CreatedAt: d.At, UpdatedAt: d.At, CreatedBy: d.OwnerID, UpdatedBy: d.OwnerID, Version: 1,
			}
			if !reflect.DeepEqual(s, want) {
				t.Fatalf("state = %+v\nwant    %+v", s, want)
			}
			if ev := a.Events(); len(ev) != 1 || ev[0] != (activity.Created{}) {
				t.Fatalf("events = %#v", ev)
			}
		})
	}
}

func TestChange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		changes     activity.Changes
		wantErr     string // field name of a ValidationError, or "transition"
		wantVersion int
		wantEvents  []activity.Event
		check       func(t *testing.T, a *activity.Activity)
	}{
		{
			name: "nothing", changes: activity.Changes{}, wantVersion: 1,
		},
		{
			name: "same title after trimming", changes: activity.Changes{Title: ptr("  Walk ")}, wantVersion: 1,
		},
		{
			name: "new title", changes: activity.Changes{Title: ptr(" Swim ")}, wantVersion: 2,
			wantEvents: []activity.Event{activity.Updated{Fields: []string{"title"}}},
			check:      func(t *testing.T, a *activity.Activity) { eq(t, a.Title(), "Swim") },
		},
		{
			name: "set description", changes: activity.Changes{DescriptionSet: true, Description: ptr("notes")}, wantVersion: 2,
			wantEvents: []activity.Event{activity.Updated{Fields: []string{"description"}}},
			check:      func(t *testing.T, a *activity.Activity) { eq(t, *a.Description(), "notes") },
		},
		{
			name: "clear absent description", changes: activity.Changes{DescriptionSet: true}, wantVersion: 1,
		},
		{
			name: "description absent is unchanged", changes: activity.Changes{Description: ptr("ignored")}, wantVersion: 1,
		},
		{
			name: "title and status", changes: activity.Changes{Title: ptr("Swim"), Status: ptr(activity.StatusInProgress)}, wantVersion: 2,
			wantEvents: []activity.Event{
				activity.Updated{Fields: []string{"title"}},
				activity.StatusChanged{From: activity.StatusPlanned, To: activity.StatusInProgress},
			},
		},
		{
			name: "invalid title changes nothing", changes: activity.Changes{Title: ptr(""), Status: ptr(activity.StatusInProgress)},
			wantErr: "title", wantVersion: 1,
		},
		{
			name: "long description", changes: activity.Changes{DescriptionSet: true, Description: ptr(strings.Repeat("a", 5001))},
			wantErr: "description", wantVersion: 1,
		},
		{
			name: "unknown status", changes: activity.Changes{Status: ptr(activity.Status("paused"))},
			wantErr: "status", wantVersion: 1,
		},
		{
			name: "forbidden transition with a valid title changes nothing", changes: activity.Changes{Title: ptr("Swim"), Status: ptr(activity.StatusDone)},
			wantErr: "transition", wantVersion: 1,
			check: func(t *testing.T, a *activity.Activity) { eq(t, a.Title(), "Walk") },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := rebuilt(activity.StatusPlanned)
			by, at := uuid.New(), time.Now()
			before := a.State()
			err := a.Change(tt.changes, by, at)
			checkErr(t, err, tt.wantErr)
			if a.Version() != tt.wantVersion {
				t.Fatalf("version = %d, want %d", a.Version(), tt.wantVersion)
			}
			if !reflect.DeepEqual(a.Events(), tt.wantEvents) && (len(a.Events()) != 0 || len(tt.wantEvents) != 0) {
				t.Fatalf("events = %#v, want %#v", a.Events(), tt.wantEvents)
			}
			s := a.State()
			if tt.wantVersion == 1 && !reflect.DeepEqual(s, before) {
				t.Fatalf("unchanged activity was modified: %+v", s)
			}
			if tt.wantVersion == 2 && (s.UpdatedBy != by || !s.UpdatedAt.Equal(at) || s.CreatedBy != before.CreatedBy) {
				t.Fatalf("change not stamped: %+v", s)
			}
			if tt.check != nil {
				tt.check(t, a)
			}
		})
	}
}

func TestClearDescription(t *testing.T) {
	t.Parallel()
	a := rebuilt(activity.StatusPlanned)
	if err := a.Change(activity.Changes{DescriptionSet: true, Description: ptr("x")}, uuid.New(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := a.Change(activity.Changes{DescriptionSet: true, Description: nil}, uuid.New(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if a.Description() != nil || a.Version() != 3 {
		t.Fatalf("description=%v version=%d, want cleared at v3", a.Description(), a.Version())
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	a := rebuilt(activity.StatusDone)
	by, at := uuid.New(), time.Now()
	if err := a.Delete(by, at); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	s := a.State()
	if !a.Deleted() || s.DeletedAt == nil || !s.DeletedAt.Equal(at) || s.Version != 2 || s.UpdatedBy != by {
		t.Fatalf("after delete: %+v", s)
	}
	if ev := a.Events(); len(ev) != 1 || ev[0] != (activity.Deleted{}) {
		t.Fatalf("events = %#v", ev)
	}
	tests := []struct {
		name string
		op   func() error
	}{
		{"delete again", func() error { return a.Delete(by, at) }},
		{"change", func() error { return a.Change(activity.Changes{Title: ptr("x")}, by, at) }},
	}
	for _, tt := range tests {
		if err := tt.op(); !errors.Is(err, activity.ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", tt.name, err)
		}
	}
}

func TestExpectVersion(t *testing.T) {
	t.Parallel()
	a := rebuilt(activity.StatusPlanned)
	if err := a.ExpectVersion(1); err != nil {
		t.Fatalf("ExpectVersion(1) = %v", err)
	}
	if err := a.ExpectVersion(3, 1); err != nil {
		t.Fatalf("ExpectVersion(3, 1) = %v: a list matches when any version does", err)
	}
	for _, vs := range [][]int{{0}, {2}, {-1}, {2, 3}, nil} {
		if err := a.ExpectVersion(vs...); !errors.Is(err, activity.ErrVersionMismatch) {
			t.Errorf("ExpectVersion(%v) = %v, want ErrVersionMismatch", vs, err)
		}
	}
}

// TestStateIsACopy proves callers cannot reach the aggregate's fields.
func TestStateIsACopy(t *testing.T) {
	t.Parallel()
	a, err := activity.New(activity.Draft{ID: uuid.New(), OwnerID: uuid.New(), Title: "Run", Description: ptr("d"), At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	*a.State().Description = "changed"
	*a.Description() = "changed"
	if *a.Description() != "d" {
		t.Fatalf("description leaked: %q", *a.Description())
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	var ve *activity.ValidationError
	var te *activity.InvalidTransitionError
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error %v", err)
	case want == "transition" && !errors.As(err, &te):
		t.Fatalf("err = %v, want InvalidTransitionError", err)
	case want != "" && want != "transition" && (!errors.As(err, &ve) || ve.Field != want):
		t.Fatalf("err = %v, want ValidationError on %q", err, want)
	}
}

func eq[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestEveryInvalidFieldIsReported: New, Change and CheckFields name every
// field that breaks a rule, not only the first (docs/api.md).
func TestEveryInvalidFieldIsReported(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("d", activity.MaxDescriptionLen+1)
	_, errNew := activity.New(activity.Draft{ID: uuid.New(), OwnerID: uuid.New(), Title: " ", Description: &long, At: time.Now()})
	a := rebuilt(activity.StatusPlanned)
	errChange := a.Change(activity.Changes{Title: ptr("a\x00b"), DescriptionSet: true, Description: &long}, uuid.New(), time.Now())
	errCheck := activity.CheckFields(ptr(""), &long)
	for name, err := range map[string]error{"New": errNew, "Change": errChange, "CheckFields": errCheck} {
		joined, ok := err.(interface{ Unwrap() []error })
		if !ok {
			t.Errorf("%s: %v names one field at most", name, err)
			continue
		}
		var fields []string
		for _, e := range joined.Unwrap() {
			var ve *activity.ValidationError
			if errors.As(e, &ve) {
				fields = append(fields, ve.Field)
			}
		}
		if !reflect.DeepEqual(fields, []string{"title", "description"}) {
			t.Errorf("%s: %v names %v, want title and description", name, err, fields)
		}
	}
	if a.Version() != 1 {
		t.Fatalf("a rejected change bumped the version to %d", a.Version())
	}
	if err := activity.CheckFields(nil, nil); err != nil {
		t.Fatalf("CheckFields(nil, nil) = %v", err)
	}
}
