package attachment_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/attachment"
)

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, filename, contentType string
		size                        int64
		wantFields                  []string
		wantName, wantType          string
	}{
		{"minimal", "a.pdf", "application/pdf", 1, nil, "a.pdf", "application/pdf"},
		{"trimmed, unicode", "  Grüße 2026.pdf ", "application/pdf", 10, nil, "Grüße 2026.pdf", "application/pdf"},
		{"canonical type", "n.txt", "Text/Plain; Charset=UTF-8", 10, nil, "n.txt", "text/plain; charset=UTF-8"},
		{"at the limit", "n", "image/png", 100, nil, "n", "image/png"},
		{"255 characters", strings.Repeat("é", 255), "image/png", 1, nil, strings.Repeat("é", 255), "image/png"},
		{"empty filename", " ", "image/png", 1, []string{"filename"}, "", ""},
		{"long filename", strings.Repeat("a", 256), "image/png", 1, []string{"filename"}, "", ""},
		{"path", "../etc/passwd", "image/png", 1, []string{"filename"}, "", ""},
		{"windows path", `C:\x.png`, "image/png", 1, []string{"filename"}, "", ""},
		{"dot dot", "..", "image/png", 1, []string{"filename"}, "", ""},
		{"control", "a\x00b", "image/png", 1, []string{"filename"}, "", ""},
		{"bad UTF-8", "a\xffb", "image/png", 1, []string{"filename"}, "", ""},
		{"no subtype", "a", "image", 1, []string{"contentType"}, "", ""},
		{"empty type", "a", "", 1, []string{"contentType"}, "", ""},
		{"garbage type", "a", "<script>", 1, []string{"contentType"}, "", ""},
		{"long type", "a", "a/" + strings.Repeat("b", 254), 1, []string{"contentType"}, "", ""},
		{"empty", "a", "image/png", 0, []string{"size"}, "", ""},
		{"negative", "a", "image/png", -1, []string{"size"}, "", ""},
		{"over the limit", "a", "image/png", 101, []string{"size"}, "", ""},
		{"everything", "", "x", 0, []string{"filename", "contentType", "size"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := attachment.Draft{
				ID: uuid.New(), ActivityID: uuid.New(), Filename: tt.filename, ContentType: tt.contentType,
				Size: tt.size, MaxBytes: 100, By: uuid.New(), At: time.Now(),
			}
			a, err := attachment.New(d)
			if got := fields(err); !reflect.DeepEqual(got, tt.wantFields) {
				t.Fatalf("New: %v names %v, want %v", err, got, tt.wantFields)
			}
			if tt.wantFields != nil {
				return
			}
			s := a.State()
			want := attachment.State{
				ID: d.ID, ActivityID: d.ActivityID, Filename: tt.wantName, ContentType: tt.wantType, Size: tt.size,
				Status: attachment.StatusPending, CreatedAt: d.At, UpdatedAt: d.At, CreatedBy: d.By, UpdatedBy: d.By, Version: 1,
			}
			if s != want {
				t.Fatalf("state = %+v\nwant    %+v", s, want)
			}
			if ev := a.Events(); len(ev) != 1 || ev[0] != (attachment.Added{}) {
				t.Fatalf("events = %#v", ev)
			}
			if a.ObjectKey() != "activities/"+d.ActivityID.String()+"/attachments/"+d.ID.String() {
				t.Fatalf("ObjectKey = %s", a.ObjectKey())
			}
		})
	}
}

func TestComplete(t *testing.T) {
	t.Parallel()
	by, at := uuid.New(), time.Now()
	tests := []struct {
		name        string
		stored      attachment.Stored
		wantErr     bool
		wantVersion int
	}{
		{"as declared", attachment.Stored{Size: 10, ContentType: "text/plain; charset=utf-8"}, false, 2},
		{"type case and parameters", attachment.Stored{Size: 10, ContentType: "TEXT/plain;charset=UTF-8"}, false, 2},
		{"smaller", attachment.Stored{Size: 9, ContentType: "text/plain; charset=utf-8"}, true, 1},
		{"larger", attachment.Stored{Size: 11, ContentType: "text/plain; charset=utf-8"}, true, 1},
		{"other type", attachment.Stored{Size: 10, ContentType: "text/html"}, true, 1},
		{"other parameter", attachment.Stored{Size: 10, ContentType: "text/plain; charset=latin1"}, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := pending()
			err := a.Complete(tt.stored, by, at)
			var mismatch *attachment.UploadMismatchError
			if tt.wantErr != errors.As(err, &mismatch) {
				t.Fatalf("Complete = %v", err)
			}
			if a.Version() != tt.wantVersion {
				t.Fatalf("version = %d, want %d", a.Version(), tt.wantVersion)
			}
			if tt.wantErr {
				if a.State().Status != attachment.StatusPending || len(a.Events()) != 0 {
					t.Fatalf("a refused completion changed %+v", a.State())
				}
				return
			}
			if s := a.State(); s.Status != attachment.StatusAvailable || s.UpdatedBy != by || !s.UpdatedAt.Equal(at) {
				t.Fatalf("state = %+v", s)
			}
			if ev := a.Events(); len(ev) != 1 || ev[0] != (attachment.Uploaded{}) {
				t.Fatalf("events = %#v", ev)
			}
			// Completing again changes nothing.
			if err := a.Complete(tt.stored, by, at); err != nil || a.Version() != 2 || len(a.Events()) != 1 {
				t.Fatalf("second Complete: %v, v%d, %d events", err, a.Version(), len(a.Events()))
			}
		})
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	a := pending()
	a.Delete(attachment.ReasonActivityDeleted, uuid.New(), time.Now())
	a.Delete(attachment.ReasonDeleted, uuid.New(), time.Now())
	if !a.Deleted() || a.Version() != 2 {
		t.Fatalf("deleted=%v version=%d", a.Deleted(), a.Version())
	}
	if ev := a.Events(); len(ev) != 1 || ev[0] != (attachment.Deleted{Reason: attachment.ReasonActivityDeleted}) {
		t.Fatalf("events = %#v", ev)
	}
}

func TestExpectVersion(t *testing.T) {
	t.Parallel()
	a := pending()
	if err := a.ExpectVersion(2, 1); err != nil {
		t.Fatal(err)
	}
	if err := a.ExpectVersion(2); !errors.Is(err, attachment.ErrVersionMismatch) {
		t.Fatalf("ExpectVersion(2) = %v", err)
	}
}

func pending() *attachment.Attachment {
	at := time.Date(2026, 11, 26, 10, 4, 5, 0, time.UTC)
	return attachment.Rebuild(attachment.State{
		ID: uuid.New(), ActivityID: uuid.New(), Filename: "n.txt", ContentType: "text/plain; charset=utf-8", Size: 10,
		Status: attachment.StatusPending, CreatedAt: at, UpdatedAt: at, Version: 1,
	})
}

func fields(err error) []string {
	var out []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			var ve *attachment.ValidationError
			if errors.As(e, &ve) {
				out = append(out, ve.Field)
			}
		}
	}
	return out
}
