package command_test

import (
	"context"
	"testing"

	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/platform/apperr"
)

func TestDeleteActivity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		caller   context.Context
		ifMatch  string
		wantCode apperr.Code
		wantErr  errMatcher
	}{
		{"owner", as(alice), `"1"`, "", nil},
		{"admin", as(admin), `"1"`, "", nil},
		{"another member", as(bob), `"1"`, "", is(activity.ErrNotFound)},
		{"auditor", as(auditor), `"1"`, apperr.CodeForbidden, nil},
		{"stale", as(alice), `"2"`, "", is(activity.ErrVersionMismatch)},
		{"no If-Match", as(alice), "", apperr.CodePreconditionRequired, nil},
		{"auditor without If-Match is forbidden", as(auditor), "", apperr.CodeForbidden, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			id := f.create(t, alice)
			err := command.NewDeleteActivityHandler(f.deps).Handle(tt.caller, command.DeleteActivity{ID: id, IfMatch: tt.ifMatch})
			assertErr(t, err, tt.wantCode, tt.wantErr)
			deleted := err == nil
			if got := len(f.outbox.events) == 1 && f.outbox.events[0].Type == "activity.deleted"; got != deleted {
				t.Fatalf("outbox = %v", f.outbox.types())
			}
			if deleted && (f.audit.events[0].Action != "activity.deleted" || f.audit.events[0].After != nil || f.audit.events[0].Before == nil) {
				t.Fatalf("audit = %+v", f.audit.events[0])
			}
			// Deleting again, even with the new version, is not found.
			err = command.NewDeleteActivityHandler(f.deps).Handle(as(alice), command.DeleteActivity{ID: id, IfMatch: `"2"`})
			if deleted {
				assertErr(t, err, "", is(activity.ErrNotFound))
			}
		})
	}
}
