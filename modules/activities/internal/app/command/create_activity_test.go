package command_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity/activitytest"
	"github.com/zebralabs/zebra/platform/apperr"
)

func TestCreateActivity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		ctx      context.Context
		cmd      command.CreateActivity
		wantCode apperr.Code // "" for success or a domain error
		wantErr  errMatcher
		wantRows int
	}{
		{"member", as(alice), command.CreateActivity{Title: " Walk ", Description: ptr("d"), Status: "in_progress"}, "", nil, 1},
		{"admin", as(admin), command.CreateActivity{Title: "Walk"}, "", nil, 1},
		{"anonymous", context.Background(), command.CreateActivity{Title: "Walk"}, apperr.CodeUnauthorized, nil, 0},
		{"auditor", as(auditor), command.CreateActivity{Title: "Walk"}, apperr.CodeForbidden, nil, 0},
		{"invalid title", as(alice), command.CreateActivity{Title: "  "}, "", isValidation, 0},
		{"invalid status", as(alice), command.CreateActivity{Title: "Walk", Status: "nope"}, "", isValidation, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			v, err := command.NewCreateActivityHandler(f.deps).Handle(tt.ctx, tt.cmd)
			assertErr(t, err, tt.wantCode, tt.wantErr)
			if f.repo.Len() != tt.wantRows || len(f.audit.events) != tt.wantRows || len(f.outbox.events) != tt.wantRows {
				t.Fatalf("rows=%d audit=%d outbox=%d, want %d each", f.repo.Len(), len(f.audit.events), len(f.outbox.events), tt.wantRows)
			}
			if tt.wantRows == 0 {
				return
			}
			id := v.ID
			s := activitytest.Load(t, f.repo, id)
			if !reflect.DeepEqual(v, query.ViewOf(s)) {
				t.Fatalf("answered %+v, stored %+v", v, s)
			}
			p := principalOf(tt.ctx)
			if s.OwnerID != p.UserID || s.CreatedBy != p.UserID || s.Version != 1 || s.Title != "Walk" {
				t.Fatalf("stored %+v", s)
			}
			if !s.CreatedAt.Equal(f.now.Truncate(1e6)) {
				t.Fatalf("createdAt %v not truncated to ms", s.CreatedAt)
			}
			e := f.audit.events[0]
			if e.Action != "activity.created" || e.EntityID != id.String() || e.Before != nil || e.After == nil || e.Actor != p.Actor() {
				t.Fatalf("audit event %+v", e)
			}
			if o := f.outbox.events[0]; o.Type != "activity.created" || o.AggregateID != id.String() || o.AggregateType != "activity" {
				t.Fatalf("outbox event %+v", o)
			}
			if f.audit.outTx+f.outbox.outTx != 0 {
				t.Fatal("events written outside the unit of work")
			}
		})
	}
}

// errMatcher recognises an expected domain error.
type errMatcher func(error) bool

func isValidation(err error) bool {
	var e *activity.ValidationError
	return errors.As(err, &e)
}

func isTransition(err error) bool {
	var e *activity.InvalidTransitionError
	return errors.As(err, &e)
}

func is(target error) errMatcher { return func(err error) bool { return errors.Is(err, target) } }

func assertErr(t *testing.T, err error, code apperr.Code, want errMatcher) {
	t.Helper()
	switch {
	case code != "":
		if apperr.CodeOf(err) != code {
			t.Fatalf("err = %v, want code %s", err, code)
		}
	case want != nil:
		if !want(err) {
			t.Fatalf("err = %v, not the expected error", err)
		}
	case err != nil:
		t.Fatalf("unexpected error: %v", err)
	}
}
