package attachment

import (
	"errors"
	"fmt"
)

// ErrNotFound means the attachment (or its activity) does not exist, or
// is not visible to the caller.
var ErrNotFound = errors.New("attachment not found")

// ErrVersionMismatch means If-Match named another version, or another
// writer changed the attachment in between.
var ErrVersionMismatch = errors.New("attachment version mismatch")

// ErrUploadMissing means the upload is completed, but nothing is stored.
var ErrUploadMissing = errors.New("nothing was uploaded for this attachment")

// ValidationError names the field whose value breaks a rule.
type ValidationError struct {
	Field   string
	Message string
}

// Error implements error.
func (e *ValidationError) Error() string { return fmt.Sprintf("%s %s", e.Field, e.Message) }

// UploadMismatchError reports an uploaded object that is not the one
// declared.
type UploadMismatchError struct {
	Declared, Stored Stored
}

// Error implements error.
func (e *UploadMismatchError) Error() string {
	return fmt.Sprintf("the uploaded object (%d bytes, %s) is not the one declared (%d bytes, %s)",
		e.Stored.Size, e.Stored.ContentType, e.Declared.Size, e.Declared.ContentType)
}
