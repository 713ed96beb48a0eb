package activity_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
)

// TestStatusTransitions checks every (from, to) pair of the state machine,
// both through Status.CanBecome and through Activity.Change.
func TestStatusTransitions(t *testing.T) {
	t.Parallel()
	p, ip, d, c := activity.StatusPlanned, activity.StatusInProgress, activity.StatusDone, activity.StatusCancelled
	allowed := map[[2]activity.Status]bool{
		{p, ip}: true, {p, c}: true,
		{ip, d}: true, {ip, c}: true,
	}
	type pair struct{ from, to activity.Status }
	var tests []pair
	for _, from := range activity.Statuses {
		for _, to := range activity.Statuses {
			tests = append(tests, pair{from, to})
		}
	}
	if len(tests) != 16 {
		t.Fatalf("expected 16 pairs, got %d", len(tests))
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s->%s", tt.from, tt.to), func(t *testing.T) {
			t.Parallel()
			want := allowed[[2]activity.Status{tt.from, tt.to}]
			if got := tt.from.CanBecome(tt.to); got != want {
				t.Fatalf("CanBecome = %v, want %v", got, want)
			}

			a := rebuilt(tt.from)
			err := a.Change(activity.Changes{Status: &tt.to}, uuid.New(), time.Now())
			switch {
			case tt.from == tt.to: // not a transition: a no-op
				if err != nil || a.Version() != 1 || len(a.Events()) != 0 {
					t.Fatalf("same status: err=%v version=%d events=%v", err, a.Version(), a.Events())
				}
			case want:
				if err != nil {
					t.Fatalf("Change: %v", err)
				}
				assertStatusChanged(t, a, tt.from, tt.to)
			default:
				var te *activity.InvalidTransitionError
				if !errors.As(err, &te) || te.From != tt.from || te.To != tt.to {
					t.Fatalf("err = %v, want InvalidTransitionError{%s,%s}", err, tt.from, tt.to)
				}
				if a.Status() != tt.from || a.Version() != 1 || len(a.Events()) != 0 {
					t.Fatalf("rejected change modified the activity: %s v%d", a.Status(), a.Version())
				}
			}
		})
	}
}

func TestStatusFinal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status activity.Status
		final  bool
	}{
		{activity.StatusPlanned, false},
		{activity.StatusInProgress, false},
		{activity.StatusDone, true},
		{activity.StatusCancelled, true},
	}
	for _, tt := range tests {
		if got := tt.status.Final(); got != tt.final {
			t.Errorf("%s.Final() = %v, want %v", tt.status, got, tt.final)
		}
	}
}

func TestParseStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    activity.Status
		wantErr bool
	}{
		{"planned", activity.StatusPlanned, false},
		{"in_progress", activity.StatusInProgress, false},
		{"done", activity.StatusDone, false},
		{"cancelled", activity.StatusCancelled, false},
		{"", "", true},
		{"Planned", "", true},
		{"in-progress", "", true},
		{"canceled", "", true},
	}
	for _, tt := range tests {
		got, err := activity.ParseStatus(tt.in)
		var ve *activity.ValidationError
		if (err != nil) != tt.wantErr || got != tt.want || (tt.wantErr && (!errors.As(err, &ve) || ve.Field != "status")) {
			t.Errorf("ParseStatus(%q) = %q, %v", tt.in, got, err)
		}
	}
}

func assertStatusChanged(t *testing.T, a *activity.Activity, from, to activity.Status) {
	t.Helper()
	if a.Status() != to || a.Version() != 2 {
		t.Fatalf("status=%s version=%d, want %s v2", a.Status(), a.Version(), to)
	}
	ev := a.Events()
	want := activity.StatusChanged{From: from, To: to}
	if len(ev) != 1 || ev[0] != want {
		t.Fatalf("events = %#v, want [%#v]", ev, want)
	}
}

// rebuilt returns a stored activity at version 1 in status s.
func rebuilt(s activity.Status) *activity.Activity {
	owner := uuid.New()
	at := time.Date(2026, 11, 26, 10, 4, 5, 123e6, time.UTC)
	return activity.Rebuild(activity.State{
		ID: uuid.New(), OwnerID: owner, Title: "Walk", Status: s,
		CreatedAt: at, UpdatedAt: at, CreatedBy: owner, UpdatedBy: owner, Version: 1,
	})
}
