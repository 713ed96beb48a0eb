package httpapi

import (
	"errors"

	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/attachment"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/etag"
)

// problem maps the domain's errors to the typed errors the platform
// renders as docs/api.md's envelope. Anything else (already an *apperr.Error,
// or unexpected) passes through: the platform answers it as is, or as a
// 500 that reveals nothing.
func problem(err error) error {
	var invalid *activity.ValidationError
	var invalidAttachment *attachment.ValidationError
	var transition *activity.InvalidTransitionError
	if p, ok := attachmentProblem(err); ok {
		return p
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, activity.ErrNotFound):
		return apperr.NotFound("activity not found")
	case errors.Is(err, activity.ErrVersionMismatch):
		return etag.Stale()
	case errors.As(err, &invalid), errors.As(err, &invalidAttachment):
		return apperr.Validation(fieldErrors(err, nil)...)
	case errors.As(err, &transition):
		e := apperr.Conflict("invalid_status_transition", transition.Error())
		e.Details["from"], e.Details["to"] = transition.From.String(), transition.To.String()
		return e
	default:
		return err
	}
}

// fieldErrors appends every *activity.ValidationError and
// *attachment.ValidationError in err's tree: the domain joins one per
// invalid field. errors.As would stop at the first, so the tree is walked
// here, joins and wraps alike, down to its leaves.
func fieldErrors(err error, out []apperr.FieldError) []apperr.FieldError {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, inner := range joined.Unwrap() {
			out = fieldErrors(inner, out)
		}
		return out
	}
	if wrapped, ok := err.(interface{ Unwrap() error }); ok {
		return fieldErrors(wrapped.Unwrap(), out)
	}
	var invalid *activity.ValidationError
	var invalidAttachment *attachment.ValidationError
	switch {
	case errors.As(err, &invalid):
		out = append(out, apperr.FieldError{Field: invalid.Field, Message: invalid.Message})
	case errors.As(err, &invalidAttachment):
		out = append(out, apperr.FieldError{Field: invalidAttachment.Field, Message: invalidAttachment.Message})
	}
	return out
}
