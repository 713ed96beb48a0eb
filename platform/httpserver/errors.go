package httpserver

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humagin"
	"github.com/gin-gonic/gin"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/requestid"
)

// Error is the error envelope of docs/api.md: the only body any non-2xx/3xx
// response of this service has, whichever layer produced it (routing,
// validation, authentication, rate limiting, a handler, panic recovery).
// Its cause is kept out of the JSON and goes to the access log instead.
type Error struct {
	Code      apperr.Code    `json:"code" enum:"bad_request,invalid_cursor,invalid_idempotency_key,unauthorized,forbidden,not_found,method_not_allowed,conflict,idempotency_key_in_use,precondition_failed,payload_too_large,unsupported_media_type,validation_failed,idempotency_key_reused,precondition_required,rate_limited,internal,unavailable,maintenance,timeout" doc:"Stable, machine-readable error code; clients switch on it." example:"validation_failed"`
	Message   string         `json:"message" doc:"Human-readable sentence; may change, do not parse it." example:"the request is invalid"`
	Details   map[string]any `json:"details" doc:"Error-specific details, always an object. validation_failed: {fields:[{field, message}]} with camelCase JSON paths; conflict: {reason}."`
	RequestID string         `json:"requestId" doc:"The request id, also sent as X-Request-Id and written in every log line of the request." example:"01928c4e-7a1b-7c3d-9e8f-0a1b2c3d4e5f"`

	status   int
	cause    error
	attached bool
}

// Error implements error with the code and message (never the cause, so
// that printing it cannot leak internals into a response).
func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// GetStatus makes *Error a huma.StatusError.
func (e *Error) GetStatus() int {
	if e.status != 0 {
		return e.status
	}
	return e.Code.Status()
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.cause }

// Render maps any error to the envelope: an *Error as is, an *apperr.Error
// by its code, work stopped by its context (a deadline, or a cancellation
// such as a timeout's) to 504 timeout, anything else to a 500 whose
// message reveals nothing. It never returns nil.
func Render(err error) *Error {
	var env *Error
	if errors.As(err, &env) {
		// A copy: the request id is stamped on the result, and err may be
		// shared (a package-level value) between concurrent requests.
		c := *env
		if c.Details != nil {
			c.Details = maps.Clone(c.Details)
		}
		return c.normalized()
	}
	if e, ok := apperr.As(err); ok {
		out := &Error{Code: e.Code, Message: e.Message, Details: e.Details, cause: err}
		if e.Code == apperr.CodeInternal && stopped(err) {
			return timeoutError(err)
		}
		return out.normalized()
	}
	if stopped(err) {
		return timeoutError(err)
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return payloadTooLarge(err)
	}
	return internalError(err)
}

// stopped reports whether err is work its context ended.
func stopped(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

func (e *Error) normalized() *Error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	if e.Message == "" {
		e.Message = http.StatusText(e.GetStatus())
	}
	return e
}

func internalError(cause error) *Error {
	return (&Error{Code: apperr.CodeInternal, Message: "an unexpected error occurred; quote the request id when reporting it", cause: cause}).normalized()
}

func timeoutError(cause error) *Error {
	return (&Error{Code: apperr.CodeTimeout, Message: "the request took too long", cause: cause}).normalized()
}

func payloadTooLarge(cause error) *Error {
	return (&Error{Code: apperr.CodePayloadTooLarge, Message: "the request body is larger than the limit", cause: cause}).normalized()
}

// WriteError answers the request with err's envelope and aborts the gin
// chain. Middleware and plain gin handlers use it; huma operations simply
// return the error. Internal causes are attached to the gin context, where
// the access log picks them up under the request id.
func WriteError(c *gin.Context, err error) {
	env := Render(err)
	env.RequestID = requestid.From(c.Request.Context())
	if env.cause != nil {
		_ = c.Error(env.cause)
	}
	var he huma.HeadersError
	if errors.As(err, &he) {
		for k, values := range he.GetHeaders() {
			for _, v := range values {
				c.Writer.Header().Add(k, v)
			}
		}
	}
	c.Header("Content-Type", jsonContentType)
	c.Status(env.GetStatus())
	_ = json.NewEncoder(c.Writer).Encode(env)
	c.Abort()
}

const jsonContentType = "application/json; charset=utf-8"

var overrideOnce sync.Once

// overrideHumaErrors replaces huma's RFC 9457 errors by the envelope, once
// per process: huma.NewError is a package variable that every huma error
// helper, validation failure and the OpenAPI error schema go through.
func overrideHumaErrors() {
	overrideOnce.Do(func() {
		huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
			return fromHuma(status, msg, errs)
		}
		huma.NewErrorWithContext = func(ctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
			env := fromHuma(status, msg, errs)
			if ctx != nil {
				attach(ctx, env)
			}
			return env
		}
	})
}

// attach stamps the request id on env and hands its cause to the access log.
func attach(ctx huma.Context, env *Error) {
	if env.RequestID == "" {
		env.RequestID = requestid.From(ctx.Context())
	}
	if env.cause == nil || env.attached {
		return
	}
	env.attached = true
	if c := ginContext(ctx); c != nil {
		_ = c.Error(env.cause)
	}
}

func ginContext(ctx huma.Context) (c *gin.Context) {
	defer func() {
		if recover() != nil {
			c = nil
		}
	}()
	return humagin.Unwrap(ctx)
}

// transformErrors is a huma transformer: huma writes a handler's
// StatusError (e.g. *apperr.Error) as the response body as is, so every
// error body is turned into the envelope here, right before marshaling.
func transformErrors(ctx huma.Context, _ string, v any) (any, error) {
	err, ok := v.(error)
	if !ok {
		return v, nil
	}
	env := Render(err)
	attach(ctx, env)
	return env, nil
}
