// Package apperr defines the typed errors that domain and application code
// return, so that the HTTP layer can map every failure to the API error
// envelope in one place instead of each handler choosing a status code.
//
// Match them with errors.Is and errors.As only: a type assertion misses
// wrapped errors and turns a 404 into a 500.
package apperr

import (
	"errors"
	"fmt"
)

// Code is the stable, machine-readable error code of the API envelope.
type Code string

// The codes of docs/api.md. Clients switch on these, so they never change.
const (
	CodeBadRequest            Code = "bad_request"
	CodeInvalidCursor         Code = "invalid_cursor"
	CodeInvalidIdempotencyKey Code = "invalid_idempotency_key"
	CodeUnauthorized          Code = "unauthorized"
	CodeForbidden             Code = "forbidden"
	CodeNotFound              Code = "not_found"
	CodeMethodNotAllowed      Code = "method_not_allowed"
	CodeConflict              Code = "conflict"
	CodeIdempotencyKeyInUse   Code = "idempotency_key_in_use"
	CodePreconditionFailed    Code = "precondition_failed"
	CodePayloadTooLarge       Code = "payload_too_large"
	CodeUnsupportedMediaType  Code = "unsupported_media_type"
	CodeValidationFailed      Code = "validation_failed"
	CodeIdempotencyKeyReused  Code = "idempotency_key_reused"
	CodePreconditionRequired  Code = "precondition_required"
	CodeRateLimited           Code = "rate_limited"
	CodeInternal              Code = "internal"
	CodeUnavailable           Code = "unavailable"
	CodeMaintenance           Code = "maintenance" // a mutation refused in read-only maintenance mode
	CodeTimeout               Code = "timeout"
)

// statuses are the HTTP statuses docs/api.md assigns to the codes; the first
// code of a status is the one CodeFor answers.
var statuses = []struct {
	code   Code
	status int
}{
	{CodeBadRequest, 400}, {CodeInvalidCursor, 400}, {CodeInvalidIdempotencyKey, 400},
	{CodeUnauthorized, 401}, {CodeForbidden, 403}, {CodeNotFound, 404}, {CodeMethodNotAllowed, 405},
	{CodeConflict, 409}, {CodeIdempotencyKeyInUse, 409}, {CodePreconditionFailed, 412},
	{CodePayloadTooLarge, 413}, {CodeUnsupportedMediaType, 415},
	{CodeValidationFailed, 422}, {CodeIdempotencyKeyReused, 422}, {CodePreconditionRequired, 428},
	{CodeRateLimited, 429}, {CodeInternal, 500}, {CodeUnavailable, 503}, {CodeMaintenance, 503}, {CodeTimeout, 504},
}

// Status returns the HTTP status that docs/api.md assigns to the code (500 for
// an unknown one).
func (c Code) Status() int {
	for _, s := range statuses {
		if s.code == c {
			return s.status
		}
	}
	return 500
}

// CodeFor is the envelope code of an HTTP status that a library (huma,
// gin) or a handler chose: the status' general code, else internal for a
// 5xx and bad_request for any other.
func CodeFor(status int) Code {
	for _, s := range statuses {
		if s.status == status {
			return s.code
		}
	}
	if status >= 500 {
		return CodeInternal
	}
	return CodeBadRequest
}

// FieldError names one invalid field by its camelCase JSON path.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an error that carries its envelope code, a message safe to show
// to clients, and optional details. Cause is logged, never sent.
type Error struct {
	Code    Code
	Message string
	Details map[string]any
	Cause   error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Cause }

// New returns an error with the given code and client-safe message.
func New(code Code, message string) *Error { return &Error{Code: code, Message: message} }

// Wrap returns an error with the given code whose cause is kept for logs.
func Wrap(code Code, message string, cause error) *Error {
	return &Error{Code: code, Message: message, Cause: cause}
}

// NotFound reports a missing resource, or one the caller may not see.
func NotFound(message string) *Error { return New(CodeNotFound, message) }

// Forbidden reports an authenticated caller lacking a permission.
func Forbidden(message string) *Error { return New(CodeForbidden, message) }

// Unauthorized reports a missing or invalid credential.
func Unauthorized(message string) *Error { return New(CodeUnauthorized, message) }

// Conflict reports a state conflict; reason goes to details.reason so that
// clients can tell a taken email from an invalid status transition.
func Conflict(reason, message string) *Error {
	return &Error{Code: CodeConflict, Message: message, Details: map[string]any{"reason": reason}}
}

// Validation reports invalid input, one entry per field.
func Validation(fields ...FieldError) *Error {
	return &Error{
		Code:    CodeValidationFailed,
		Message: "the request is invalid",
		Details: map[string]any{"fields": fields},
	}
}

// PreconditionFailed reports a stale If-Match version.
func PreconditionFailed(message string) *Error { return New(CodePreconditionFailed, message) }

// PreconditionRequired reports a missing If-Match on a versioned resource.
func PreconditionRequired(message string) *Error { return New(CodePreconditionRequired, message) }

// Unavailable reports a dependency that is down; cause is logged only.
func Unavailable(cause error) *Error {
	return Wrap(CodeUnavailable, "a dependency is unavailable, retry later", cause)
}

// Timeout reports a request that ran past its deadline; cause is logged only.
func Timeout(cause error) *Error {
	return Wrap(CodeTimeout, "the request took too long", cause)
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// CodeOf returns the envelope code for err: the code of the first *Error in
// its chain, else CodeInternal.
func CodeOf(err error) Code {
	if e, ok := As(err); ok {
		return e.Code
	}
	return CodeInternal
}

// GetStatus returns the HTTP status of the error's code. It makes *Error a
// huma.StatusError, so handlers may return it as is.
func (e *Error) GetStatus() int { return e.Code.Status() }
