package command_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity/activitytest"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
)

func TestUpdateActivity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		caller      context.Context
		cmd         command.UpdateActivity // ID is filled in
		wantCode    apperr.Code
		wantErr     errMatcher
		wantVersion int
		wantOutbox  []string
	}{
		{"owner renames", as(alice), command.UpdateActivity{IfMatch: `"1"`, Title: ptr("Run")}, "", nil, 2, []string{"activity.updated"}},
		{"owner starts", as(alice), command.UpdateActivity{IfMatch: `"1"`, Status: ptr("in_progress")}, "", nil, 2, []string{"activity.status_changed"}},
		{"both at once", as(alice), command.UpdateActivity{IfMatch: `"1"`, Title: ptr("Run"), DescriptionSet: true, Description: ptr("d"), Status: ptr("cancelled")}, "", nil, 2,
			[]string{"activity.updated", "activity.status_changed"}},
		{"nothing changes", as(alice), command.UpdateActivity{IfMatch: `"1"`, Title: ptr("Walk")}, "", nil, 1, nil},
		{"admin updates anyone's", as(admin), command.UpdateActivity{IfMatch: `"1"`, Title: ptr("Run")}, "", nil, 2, []string{"activity.updated"}},
		{"another member gets not found", as(bob), command.UpdateActivity{IfMatch: `"1"`, Title: ptr("Run")}, "", is(activity.ErrNotFound), 0, nil},
		{"auditor is forbidden", as(auditor), command.UpdateActivity{IfMatch: `"1"`, Title: ptr("Run")}, apperr.CodeForbidden, nil, 0, nil},
		{"anonymous", context.Background(), command.UpdateActivity{IfMatch: `"1"`, Title: ptr("Run")}, apperr.CodeUnauthorized, nil, 0, nil},
		{"stale version", as(alice), command.UpdateActivity{IfMatch: `"7"`, Title: ptr("Run")}, "", is(activity.ErrVersionMismatch), 0, nil},
		{"invalid transition", as(alice), command.UpdateActivity{IfMatch: `"1"`, Status: ptr("done")}, "", isTransition, 0, nil},
		{"unknown status", as(alice), command.UpdateActivity{IfMatch: `"1"`, Status: ptr("paused")}, "", isValidation, 0, nil},
		{"invalid title", as(alice), command.UpdateActivity{IfMatch: `"1"`, Title: ptr("")}, "", isValidation, 0, nil},
		{"no If-Match", as(alice), command.UpdateActivity{Title: ptr("Run")}, apperr.CodePreconditionRequired, nil, 0, nil},
		{"If-Match not an ETag", as(alice), command.UpdateActivity{IfMatch: "v1", Title: ptr("Run")}, apperr.CodePreconditionFailed, nil, 0, nil},
		// The permission is checked before the precondition: a caller who
		// may not change activities is not told about If-Match.
		{"auditor without If-Match is forbidden", as(auditor), command.UpdateActivity{Title: ptr("Run")}, apperr.CodeForbidden, nil, 0, nil},
		{"anonymous without If-Match", context.Background(), command.UpdateActivity{Title: ptr("Run")}, apperr.CodeUnauthorized, nil, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			id := f.create(t, alice)
			cmd := tt.cmd
			cmd.ID = id
			v, err := command.NewUpdateActivityHandler(f.deps).Handle(tt.caller, cmd)
			assertErr(t, err, tt.wantCode, tt.wantErr)
			if v.Version != tt.wantVersion {
				t.Fatalf("version = %d, want %d", v.Version, tt.wantVersion)
			}
			if got := f.outbox.types(); !reflect.DeepEqual(got, tt.wantOutbox) {
				t.Fatalf("outbox = %v, want %v", got, tt.wantOutbox)
			}
			wantAudit := 0
			if len(tt.wantOutbox) > 0 {
				wantAudit = 1
			}
			if len(f.audit.events) != wantAudit {
				t.Fatalf("audit events = %d, want %d", len(f.audit.events), wantAudit)
			}
			if wantAudit == 1 {
				e := f.audit.events[0]
				before, after := e.Before.(*command.Snapshot), e.After.(*command.Snapshot)
				if e.Action != "activity.updated" || before.Version != 1 || after.Version != 2 || e.Actor != principalOf(tt.caller).Actor() {
					t.Fatalf("audit event %+v", e)
				}
			}
			s := activitytest.Load(t, f.repo, id)
			if tt.wantVersion == 0 && s.Version != 1 {
				t.Fatalf("a rejected update was saved: %+v", s)
			}
			if tt.wantVersion > 0 && !reflect.DeepEqual(v, query.ViewOf(s)) {
				t.Fatalf("answered %+v, stored %+v", v, s)
			}
		})
	}
}

func TestUpdateActivityUnknownID(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := command.NewUpdateActivityHandler(f.deps).Handle(as(admin), command.UpdateActivity{IfMatch: `"1"`, Title: ptr("x")})
	assertErr(t, err, "", is(activity.ErrNotFound))
}

func principalOf(ctx context.Context) auth.Principal {
	p, _ := auth.FromContext(ctx)
	return p
}
