package command_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/attachment"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/blob"
)

func TestAddAttachment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		caller   context.Context
		cmd      command.AddAttachment
		storeErr error
		wantCode apperr.Code
		wantErr  errMatcher
	}{
		{"owner", as(alice), command.AddAttachment{Filename: "a.pdf", ContentType: "application/pdf", Size: 10}, nil, "", nil},
		{"admin", as(admin), command.AddAttachment{Filename: "a.pdf", ContentType: "application/pdf", Size: 1000}, nil, "", nil},
		{"another member", as(bob), command.AddAttachment{Filename: "a.pdf", ContentType: "application/pdf", Size: 10}, nil, "", is(attachment.ErrNotFound)},
		{"auditor", as(auditor), command.AddAttachment{Filename: "a.pdf", ContentType: "application/pdf", Size: 10}, nil, apperr.CodeForbidden, nil},
		{"over the limit", as(alice), command.AddAttachment{Filename: "a.pdf", ContentType: "application/pdf", Size: 1001}, nil, "", invalid("size")},
		{"bad filename", as(alice), command.AddAttachment{Filename: "../a", ContentType: "application/pdf", Size: 1}, nil, "", invalid("filename")},
		{"no object storage", as(alice), command.AddAttachment{Filename: "a.pdf", ContentType: "application/pdf", Size: 10}, blob.ErrNotConfigured, "", is(blob.ErrNotConfigured)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.objects.err = tt.storeErr
			tt.cmd.ActivityID = f.create(t, alice)
			added, err := command.NewAddAttachmentHandler(f.deps).Handle(tt.caller, tt.cmd)
			assertErr(t, err, tt.wantCode, tt.wantErr)
			if err != nil {
				if len(f.attachments.rows) != 0 || len(f.audit.events) != 0 || len(f.outbox.events) != 0 {
					t.Fatalf("a refused attachment wrote %d rows, %d audit, %d outbox events",
						len(f.attachments.rows), len(f.audit.events), len(f.outbox.events))
				}
				return
			}
			v := added.Attachment
			if v.Status != "pending" || v.Version != 1 || v.ActivityID != tt.cmd.ActivityID || v.Size != tt.cmd.Size {
				t.Fatalf("view = %+v", v)
			}
			key := attachment.ObjectKey(v.ActivityID, v.ID)
			if added.Upload.Method != http.MethodPut || added.Upload.URL != "https://storage.test/"+key ||
				added.Upload.Headers.Get("Content-Type") != "application/pdf" {
				t.Fatalf("upload = %+v", added.Upload)
			}
			if got := f.outbox.types(); len(got) != 1 || got[0] != "attachment.added" || f.outbox.outTx != 0 {
				t.Fatalf("outbox = %v (outside the unit of work: %d)", got, f.outbox.outTx)
			}
			a := f.audit.events
			if len(a) != 1 || a[0].Action != "attachment.added" || a[0].EntityType != "attachment" || a[0].Before != nil || f.audit.outTx != 0 {
				t.Fatalf("audit = %+v", a)
			}
			if f.attachments.outTx != 0 {
				t.Fatal("the repository was used outside the unit of work")
			}
		})
	}
}

func TestCompleteAttachment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		caller  context.Context
		stored  *blob.Info
		wantErr errMatcher
	}{
		{"as declared", as(alice), &blob.Info{Size: 10, ContentType: "application/pdf"}, nil},
		{"admin", as(admin), &blob.Info{Size: 10, ContentType: "application/pdf"}, nil},
		{"another member", as(bob), &blob.Info{Size: 10, ContentType: "application/pdf"}, is(attachment.ErrNotFound)},
		{"nothing uploaded", as(alice), nil, is(attachment.ErrUploadMissing)},
		{"another size", as(alice), &blob.Info{Size: 11, ContentType: "application/pdf"}, mismatch},
		{"another type", as(alice), &blob.Info{Size: 10, ContentType: "text/html"}, mismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			v := f.attach(t)
			if tt.stored != nil {
				f.objects.stored[attachment.ObjectKey(v.ActivityID, v.ID)] = *tt.stored
			}
			h := command.NewCompleteAttachmentHandler(f.deps)
			cmd := command.CompleteAttachment{ActivityID: v.ActivityID, ID: v.ID}
			got, err := h.Handle(tt.caller, cmd)
			assertErr(t, err, "", tt.wantErr)
			if err != nil {
				if f.attachments.rows[v.ID].Status != attachment.StatusPending || len(f.outbox.events) != 0 {
					t.Fatalf("a refused completion changed %+v, events %v", f.attachments.rows[v.ID], f.outbox.types())
				}
				return
			}
			if got.Status != "available" || got.Version != 2 {
				t.Fatalf("view = %+v", got)
			}
			if types := f.outbox.types(); len(types) != 1 || types[0] != "attachment.uploaded" || f.audit.events[0].Before == nil {
				t.Fatalf("outbox = %v, audit = %+v", types, f.audit.events)
			}
			again, err := h.Handle(tt.caller, cmd)
			if err != nil || again != got || len(f.outbox.events) != 1 {
				t.Fatalf("second completion = %+v, %v; outbox %v", again, err, f.outbox.types())
			}
		})
	}
}

func TestDeleteAttachment(t *testing.T) {
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
		{"another member", as(bob), `"1"`, "", is(attachment.ErrNotFound)},
		{"auditor", as(auditor), `"1"`, apperr.CodeForbidden, nil},
		{"stale", as(alice), `"2"`, "", is(attachment.ErrVersionMismatch)},
		{"no If-Match", as(alice), "", apperr.CodePreconditionRequired, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			v := f.attach(t)
			err := command.NewDeleteAttachmentHandler(f.deps).Handle(tt.caller,
				command.DeleteAttachment{ActivityID: v.ActivityID, ID: v.ID, IfMatch: tt.ifMatch})
			assertErr(t, err, tt.wantCode, tt.wantErr)
			_, kept := f.attachments.rows[v.ID]
			if kept != (err != nil) {
				t.Fatalf("err = %v, row kept = %v", err, kept)
			}
			if err != nil {
				return
			}
			if len(f.outbox.events) != 1 || f.outbox.events[0].Type != "attachment.deleted" {
				t.Fatalf("outbox = %v", f.outbox.types())
			}
			p := f.outbox.events[0].Payload.(command.AttachmentEventPayload)
			if p.Reason != "deleted" || p.Attachment.ObjectKey != attachment.ObjectKey(v.ActivityID, v.ID) {
				t.Fatalf("payload = %+v", p)
			}
			if a := f.audit.events[0]; a.Action != "attachment.deleted" || a.After != nil || a.Before == nil {
				t.Fatalf("audit = %+v", a)
			}
		})
	}
}

// TestDeleteActivityDeletesItsAttachments: the rows go in the activity's
// unit of work, each with an attachment.deleted event for the cleanup.
func TestDeleteActivityDeletesItsAttachments(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a1 := f.attach(t)
	a2, err := command.NewAddAttachmentHandler(f.deps).Handle(as(alice),
		command.AddAttachment{ActivityID: a1.ActivityID, Filename: "b.txt", ContentType: "text/plain", Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	other := f.attach(t) // another activity's attachment stays
	f.audit.events, f.outbox.events = nil, nil
	uows := f.uow.calls
	if err := command.NewDeleteActivityHandler(f.deps).Handle(as(alice), command.DeleteActivity{ID: a1.ActivityID, IfMatch: `"1"`}); err != nil {
		t.Fatal(err)
	}
	if f.uow.calls != uows+1 {
		t.Fatalf("%d units of work, want 1", f.uow.calls-uows)
	}
	if _, ok := f.attachments.rows[other.ID]; !ok || len(f.attachments.rows) != 1 {
		t.Fatalf("rows left: %v", f.attachments.rows)
	}
	keys := map[string]bool{}
	for _, e := range f.outbox.events {
		if e.Type == "attachment.deleted" {
			p := e.Payload.(command.AttachmentEventPayload)
			if p.Reason != "activity_deleted" {
				t.Fatalf("reason = %q", p.Reason)
			}
			keys[p.Attachment.ObjectKey] = true
		}
	}
	if len(keys) != 2 || !keys[attachment.ObjectKey(a1.ActivityID, a1.ID)] || !keys[attachment.ObjectKey(a1.ActivityID, a2.Attachment.ID)] {
		t.Fatalf("attachment.deleted for %v", keys)
	}
	if len(f.audit.events) != 3 || f.outbox.outTx != 0 || f.audit.outTx != 0 {
		t.Fatalf("audit events = %d (want activity + 2 attachments), outside the unit of work: %d, %d",
			len(f.audit.events), f.outbox.outTx, f.audit.outTx)
	}
}

// attach creates an activity of alice's with one pending attachment of
// 10 bytes of application/pdf, and forgets the events.
func (f *fixture) attach(t *testing.T) attachmentView {
	t.Helper()
	id := f.create(t, alice)
	added, err := command.NewAddAttachmentHandler(f.deps).Handle(as(alice),
		command.AddAttachment{ActivityID: id, Filename: "a.pdf", ContentType: "application/pdf", Size: 10})
	if err != nil {
		t.Fatalf("attach: %v", err)
	}
	f.audit.events, f.outbox.events = nil, nil
	return attachmentView{ID: added.Attachment.ID, ActivityID: id}
}

type attachmentView struct{ ID, ActivityID uuid.UUID }

func invalid(field string) errMatcher {
	return func(err error) bool {
		var ve *attachment.ValidationError
		return errors.As(err, &ve) && ve.Field == field
	}
}

func mismatch(err error) bool {
	var m *attachment.UploadMismatchError
	return errors.As(err, &m)
}

// TestAttachmentsOfAnInvisibleActivityAreNotFoundWithoutStorage: 404
// comes before object storage's 503, so nothing about storage leaks and
// a wrong id is a wrong id.
func TestAttachmentsOfAnInvisibleActivityAreNotFoundWithoutStorage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.attach(t)
	f.objects.err = blob.ErrNotConfigured
	_, err := command.NewAddAttachmentHandler(f.deps).Handle(as(bob),
		command.AddAttachment{ActivityID: v.ActivityID, Filename: "a.pdf", ContentType: "application/pdf", Size: 1})
	if !errors.Is(err, attachment.ErrNotFound) {
		t.Fatalf("add to another member's activity without storage = %v, want ErrNotFound", err)
	}
	_, err = command.NewCompleteAttachmentHandler(f.deps).Handle(as(bob), command.CompleteAttachment{ActivityID: v.ActivityID, ID: v.ID})
	if !errors.Is(err, attachment.ErrNotFound) {
		t.Fatalf("complete another member's attachment without storage = %v, want ErrNotFound", err)
	}
	_, err = command.NewAddAttachmentHandler(f.deps).Handle(as(alice),
		command.AddAttachment{ActivityID: uuid.Must(uuid.NewV7()), Filename: "a.pdf", ContentType: "application/pdf", Size: 1})
	if !errors.Is(err, attachment.ErrNotFound) {
		t.Fatalf("add to an unknown activity without storage = %v, want ErrNotFound", err)
	}
}
