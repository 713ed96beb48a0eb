package httpserver

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"github.com/zebralabs/zebra/platform/apperr"
)

// fromHuma turns the status, message and details huma reports (validation
// failures, unreadable bodies, handler errors that are not StatusErrors,
// huma.ErrorXXX helpers) into the envelope.
func fromHuma(status int, msg string, errs []error) *Error {
	for _, err := range errs {
		var tooLarge *http.MaxBytesError
		if err != nil && errors.As(err, &tooLarge) {
			return payloadTooLarge(err)
		}
	}
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return validationError(status, msg, errs)
	case http.StatusRequestTimeout:
		return (&Error{Code: apperr.CodeBadRequest, status: status, Message: "the request body was not received in time"}).normalized()
	case http.StatusRequestEntityTooLarge:
		return payloadTooLarge(errors.Join(errs...))
	case http.StatusUnsupportedMediaType:
		return (&Error{Code: apperr.CodeUnsupportedMediaType, Message: "send the request body as application/json"}).normalized()
	}
	if status >= 500 || status == 0 {
		return serverError(status, msg, errs)
	}
	return (&Error{Code: apperr.CodeFor(status), status: status, Message: msg}).normalized()
}

// serverError keeps the cause for the log and shows a generic message: a
// 5xx never reveals internals.
func serverError(status int, msg string, errs []error) *Error {
	cause := errors.Join(errs...)
	if cause == nil && msg != "" {
		cause = errors.New(msg)
	}
	if status == http.StatusInternalServerError || status == 0 {
		if cause != nil {
			return Render(cause)
		}
		return internalError(nil)
	}
	env := &Error{Code: apperr.CodeFor(status), status: status, cause: cause}
	switch env.Code {
	case apperr.CodeUnavailable:
		env.Message = "a dependency is unavailable, retry later"
	case apperr.CodeTimeout:
		env.Message = "the request took too long"
	default:
		env.Code = apperr.CodeInternal
		env.Message = internalError(nil).Message
	}
	return env.normalized()
}

// validationError builds validation_failed (422) or bad_request (400):
// syntax problems (malformed JSON, a body that is not Unicode text, a body
// of the wrong JSON type, a parameter that does not parse) are 400,
// everything else 422.
//
// A 422 reports every invalid field once (docs/api.md): huma's schema errors
// first, then what the operation's resolvers report (an *apperr.Error of
// validation_failed, e.g. a domain rule checked before the handler runs);
// a field named twice keeps its first message. A 400 leaves the
// resolvers' fields out: they judged a body that did not decode.
func validationError(status int, msg string, errs []error) *Error {
	var fields, checked []apperr.FieldError
	syntax := status == http.StatusBadRequest
	malformed := false
	topLevel := ""
	for _, err := range errs {
		if err == nil {
			continue
		}
		if e, ok := apperr.As(err); ok && e.Code == apperr.CodeValidationFailed {
			checked = append(checked, fieldsOf(e)...)
			continue
		}
		f, kind := fieldOf(err)
		switch {
		case kind == issueMalformed:
			malformed = true
			continue
		case kind == issueSyntax && f.Field == "":
			topLevel = f.Message
			syntax = true
			continue
		case kind == issueSyntax:
			syntax = true
		}
		fields = append(fields, f)
	}
	if topLevel != "" && !malformed {
		msg = topLevel
	}
	if syntax || malformed {
		env := &Error{Code: apperr.CodeBadRequest, Message: badRequestMessage(msg, malformed, fields)}
		if len(fields) > 0 {
			env.Details = map[string]any{"fields": fields}
		}
		return env.normalized()
	}
	return (&Error{
		Code:    apperr.CodeValidationFailed,
		Message: "the request is invalid",
		Details: map[string]any{"fields": oncePerField(append(fields, checked...))},
	}).normalized()
}

// fieldsOf returns the fields of a validation_failed error.
func fieldsOf(e *apperr.Error) []apperr.FieldError {
	fields, _ := e.Details["fields"].([]apperr.FieldError)
	return fields
}

// oncePerField keeps the first message of each field, in order.
func oncePerField(fields []apperr.FieldError) []apperr.FieldError {
	seen := make(map[string]bool, len(fields))
	out := fields[:0]
	for _, f := range fields {
		if !seen[f.Field] {
			seen[f.Field] = true
			out = append(out, f)
		}
	}
	return out
}

func badRequestMessage(msg string, malformed bool, fields []apperr.FieldError) string {
	switch {
	case malformed:
		return "the request body is not valid JSON"
	case msg == "request body is required":
		return "a JSON request body is required"
	case msg != "" && msg != "validation failed":
		return msg
	}
	return "the request is malformed"
}

type issue int

const (
	issueInvalid   issue = iota // well-formed but invalid: 422
	issueSyntax                 // does not parse or wrong top-level type: 400
	issueMalformed              // the body is not JSON at all: 400
)

var topLevelTypeMessages = map[string]bool{
	validation.MsgExpectedObject:  true,
	validation.MsgExpectedArray:   true,
	validation.MsgExpectedString:  true,
	validation.MsgExpectedNumber:  true,
	validation.MsgExpectedInteger: true,
	validation.MsgExpectedBoolean: true,
}

// fieldOf converts one huma error detail to a field error whose path is the
// camelCase JSON path a client sent ("title", "items[0].name", "limit"),
// without huma's "body."/"query." location prefix.
func fieldOf(err error) (apperr.FieldError, issue) {
	var d *huma.ErrorDetail
	var detailer huma.ErrorDetailer
	if errors.As(err, &detailer) {
		d = detailer.ErrorDetail()
	} else {
		d = &huma.ErrorDetail{Message: err.Error()}
	}
	where, path := splitLocation(d.Location)
	message := d.Message
	kind := issueInvalid
	switch {
	case where == "body" && path == "" && strings.HasPrefix(message, textErrorPrefix):
		return apperr.FieldError{Message: message}, issueSyntax
	case where == "body" && path == "" && d.Value != nil && isJSONSyntaxError(message):
		return apperr.FieldError{}, issueMalformed
	case where == "body" && path == "" && topLevelTypeMessages[message]:
		return apperr.FieldError{Message: "the request body " + humanize(message)}, issueSyntax
	case where != "body" && where != "" && strings.HasPrefix(message, "invalid "):
		kind = issueSyntax
	}
	if name, ok := requiredProperty(message); ok {
		path = joinPath(path, name)
		message = "is required"
	}
	return apperr.FieldError{Field: path, Message: humanize(message)}, kind
}

// isJSONSyntaxError tells a decoder failure (the body is not JSON) from a
// validation message: huma reports both at location "body".
func isJSONSyntaxError(message string) bool {
	return !strings.HasPrefix(message, "expected ") && message != validation.MsgUnexpectedProperty
}

func splitLocation(loc string) (where, path string) {
	for _, prefix := range []string{"body", "query", "path", "header", "cookie"} {
		if loc == prefix {
			return prefix, ""
		}
		if strings.HasPrefix(loc, prefix+".") {
			return prefix, loc[len(prefix)+1:]
		}
		if strings.HasPrefix(loc, prefix+"[") {
			return prefix, loc[len(prefix):]
		}
	}
	return "", loc
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

var requiredRx = regexp.MustCompile(`^expected required property (.+) to be present$`)

func requiredProperty(message string) (string, bool) {
	if m := requiredRx.FindStringSubmatch(message); m != nil {
		return m[1], true
	}
	if strings.HasPrefix(message, "required ") && strings.HasSuffix(message, " parameter is missing") {
		return "", true
	}
	return "", false
}

// humanRules rewrite huma's terse validator messages into the sentences of
// docs/api.md ("must be at most 200 characters"); anything else passes through.
var humanRules = []struct {
	rx  *regexp.Regexp
	fmt string
}{
	{regexp.MustCompile(`^expected length <= (\d+)$`), "must be at most %s characters"},
	{regexp.MustCompile(`^expected length >= (\d+)$`), "must be at least %s characters"},
	{regexp.MustCompile(`^expected number <= (.+)$`), "must be at most %s"},
	{regexp.MustCompile(`^expected number >= (.+)$`), "must be at least %s"},
	{regexp.MustCompile(`^expected array length <= (\d+)$`), "must have at most %s items"},
	{regexp.MustCompile(`^expected array length >= (\d+)$`), "must have at least %s items"},
	{regexp.MustCompile(`^expected value to be one of (.+)$`), "must be one of %s"},
	{regexp.MustCompile(`^expected (string|number|integer|boolean|object|array)$`), "must be a JSON %s"},
	{regexp.MustCompile(`^(unexpected property)$`), "is not a known field%.0s"},
	{regexp.MustCompile(`^(unknown query parameter)$`), "is not a known parameter%.0s"},
	{regexp.MustCompile(`^invalid (integer)$`), "must be an %s"},
	{regexp.MustCompile(`^invalid (float)$`), "must be a number%.0s"},
	{regexp.MustCompile(`^invalid (boolean)$`), "must be true or false%.0s"},
}

func humanize(message string) string {
	for _, r := range humanRules {
		if m := r.rx.FindStringSubmatch(message); m != nil {
			return fmt.Sprintf(r.fmt, m[1])
		}
	}
	return message
}
