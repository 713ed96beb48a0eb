// Package attachment is the domain of a file attached to an activity: its
// metadata rules (filename, content type, size within the configured
// limit), its life (pending until the client has uploaded the bytes and
// completed the upload, then available), the events it records, and the
// repository port. The bytes live in object storage under ObjectKey; the
// application layer moves them, this package never sees them.
//
// It depends on the standard library and uuid only.
package attachment

import (
	"errors"
	"fmt"
	"mime"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Status is where an attachment is in its life.
type Status string

// The statuses: pending until the upload is completed, then available.
const (
	StatusPending   Status = "pending"
	StatusAvailable Status = "available"
)

// Limits of docs/api.md, in characters.
const (
	MaxFilenameLen    = 255
	MaxContentTypeLen = 255
)

// State is every field of an attachment as it is stored.
type State struct {
	ID          uuid.UUID
	ActivityID  uuid.UUID
	Filename    string
	ContentType string
	Size        int64
	Status      Status
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CreatedBy   uuid.UUID
	UpdatedBy   uuid.UUID
	Version     int
}

// Attachment is the aggregate; every change goes through a method.
type Attachment struct {
	s       State
	deleted bool
	events  []Event
}

// Draft is what New needs.
type Draft struct {
	ID          uuid.UUID
	ActivityID  uuid.UUID
	Filename    string
	ContentType string
	Size        int64
	// MaxBytes is the configured limit (ATTACHMENT_MAX_BYTES).
	MaxBytes int64
	By       uuid.UUID
	At       time.Time
}

// New validates d and returns a pending attachment at version 1,
// recording Added. Every invalid field is reported (*ValidationError,
// joined).
func New(d Draft) (*Attachment, error) {
	filename, ct, err := CheckFields(d.Filename, d.ContentType, d.Size, d.MaxBytes)
	if err != nil {
		return nil, err
	}
	a := &Attachment{s: State{
		ID: d.ID, ActivityID: d.ActivityID, Filename: filename, ContentType: ct, Size: d.Size,
		Status: StatusPending, CreatedAt: d.At, UpdatedAt: d.At, CreatedBy: d.By, UpdatedBy: d.By, Version: 1,
	}}
	a.record(Added{})
	return a, nil
}

// CheckFields returns the normalized filename and content type, or every
// rule the fields break, joined. The HTTP adapter asks it before the
// command runs so that one 422 names every invalid field.
func CheckFields(filename, contentType string, size, maxBytes int64) (string, string, error) {
	name, nameErr := normalizeFilename(filename)
	ct, ctErr := normalizeContentType(contentType)
	var sizeErr error
	switch {
	case size < 1:
		sizeErr = &ValidationError{Field: "size", Message: "must be at least 1 byte"}
	case maxBytes > 0 && size > maxBytes:
		sizeErr = &ValidationError{Field: "size", Message: fmt.Sprintf("must be at most %d bytes", maxBytes)}
	}
	return name, ct, errors.Join(nameErr, ctErr, sizeErr)
}

// normalizeFilename trims white space and keeps the last path element's
// rules: 1..MaxFilenameLen characters, no control characters, no / or \
// (a name, not a path).
func normalizeFilename(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", &ValidationError{Field: "filename", Message: "must be valid UTF-8"}
	}
	t := strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(t); {
	case n == 0:
		return "", &ValidationError{Field: "filename", Message: "must not be empty"}
	case n > MaxFilenameLen:
		return "", &ValidationError{Field: "filename", Message: "must be at most 255 characters"}
	}
	if strings.IndexFunc(t, unicode.IsControl) >= 0 {
		return "", &ValidationError{Field: "filename", Message: "must not contain control characters"}
	}
	if strings.ContainsAny(t, `/\`) || t == "." || t == ".." {
		return "", &ValidationError{Field: "filename", Message: "must be a file name, not a path"}
	}
	return t, nil
}

// normalizeContentType accepts a media type (type/subtype, optional
// parameters) and returns it in canonical form (lower-case type,
// parameters re-encoded), as S3 will store and serve it.
func normalizeContentType(s string) (string, error) {
	if len(s) > MaxContentTypeLen {
		return "", &ValidationError{Field: "contentType", Message: "must be at most 255 characters"}
	}
	mt, params, err := mime.ParseMediaType(s)
	if err != nil || !strings.Contains(mt, "/") || strings.HasPrefix(mt, "/") || strings.HasSuffix(mt, "/") {
		return "", &ValidationError{Field: "contentType", Message: "must be a media type such as application/pdf"}
	}
	return mime.FormatMediaType(mt, params), nil
}

// Rebuild returns the attachment that s describes, as loaded.
func Rebuild(s State) *Attachment { return &Attachment{s: s} }

// ID returns the attachment's id.
func (a *Attachment) ID() uuid.UUID { return a.s.ID }

// ActivityID returns the id of the activity it is attached to.
func (a *Attachment) ActivityID() uuid.UUID { return a.s.ActivityID }

// ObjectKey is where its bytes live in object storage. It is derived from
// the ids only, never from the client's filename, so no client input
// reaches a key.
func (a *Attachment) ObjectKey() string { return ObjectKey(a.s.ActivityID, a.s.ID) }

// ObjectKey is the object key of attachment id of activity.
func ObjectKey(activity, id uuid.UUID) string {
	return "activities/" + activity.String() + "/attachments/" + id.String()
}

// Version returns the optimistic-concurrency version.
func (a *Attachment) Version() int { return a.s.Version }

// ExpectVersion returns ErrVersionMismatch unless the attachment is at one
// of the versions accepted (If-Match).
func (a *Attachment) ExpectVersion(accepted ...int) error {
	if !slices.Contains(accepted, a.s.Version) {
		return ErrVersionMismatch
	}
	return nil
}

// State returns a copy of every field.
func (a *Attachment) State() State { return a.s }

// Deleted reports whether Delete was called.
func (a *Attachment) Deleted() bool { return a.deleted }

// Events returns the events recorded since New or Rebuild, oldest first.
func (a *Attachment) Events() []Event { return append([]Event(nil), a.events...) }

// Stored describes the object found in storage when an upload is
// completed.
type Stored struct {
	Size        int64
	ContentType string
}

// Complete marks the upload done once the object in storage is the one
// declared: same size, same content type. Completing an available
// attachment changes nothing (a retried request is harmless).
//
// Errors: *UploadMismatchError when the object differs from the
// declaration.
func (a *Attachment) Complete(got Stored, by uuid.UUID, at time.Time) error {
	if a.s.Status == StatusAvailable {
		return nil
	}
	if got.Size != a.s.Size || !sameMediaType(got.ContentType, a.s.ContentType) {
		return &UploadMismatchError{Declared: Stored{Size: a.s.Size, ContentType: a.s.ContentType}, Stored: got}
	}
	a.s.Status = StatusAvailable
	a.touch(by, at)
	a.record(Uploaded{})
	return nil
}

// Delete marks the attachment deleted, recording Deleted with why.
func (a *Attachment) Delete(reason DeleteReason, by uuid.UUID, at time.Time) {
	if a.deleted {
		return
	}
	a.deleted = true
	a.touch(by, at)
	a.record(Deleted{Reason: reason})
}

func (a *Attachment) touch(by uuid.UUID, at time.Time) {
	a.s.UpdatedAt, a.s.UpdatedBy = at, by
	a.s.Version++
}

func (a *Attachment) record(e Event) { a.events = append(a.events, e) }

// sameMediaType compares two content types as media types: case of the
// type and parameter order do not matter.
func sameMediaType(x, y string) bool {
	mx, px, errX := mime.ParseMediaType(x)
	my, py, errY := mime.ParseMediaType(y)
	if errX != nil || errY != nil {
		return strings.EqualFold(x, y)
	}
	if mx != my || len(px) != len(py) {
		return false
	}
	for k, v := range px {
		if w, ok := py[k]; !ok || !strings.EqualFold(v, w) {
			return false
		}
	}
	return true
}
