package httpserver

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gin-gonic/gin"

	"github.com/zebralabs/zebra/platform/apperr"
)

// PostgreSQL text can hold neither NUL characters nor invalid UTF-8, and
// Go's decoders pass both through (encoding/json even replaces invalid
// bytes with U+FFFD silently, storing something the client never sent).
// So the platform refuses them at the edge, for every route: in the path
// and query by textGuard, in JSON bodies by jsonFormats.

// errNUL and errUTF8 are the causes of the 400s below.
var (
	errNUL  = errors.New("contains a NUL character")
	errUTF8 = errors.New("is not valid UTF-8")
)

// textGuard answers 400 bad_request when the path or a query parameter
// (decoded) contains a NUL character or invalid UTF-8, or when the query
// string does not parse.
func textGuard() gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := checkText(c.Request.URL.Path); err != nil {
			WriteError(c, apperr.New(apperr.CodeBadRequest, "the URL path "+err.Error()))
			return
		}
		if c.Request.URL.RawQuery == "" {
			c.Next()
			return
		}
		q, err := url.ParseQuery(c.Request.URL.RawQuery)
		if err != nil {
			WriteError(c, apperr.New(apperr.CodeBadRequest, "the query string is malformed"))
			return
		}
		for k, vs := range q {
			for _, v := range append(vs, k) {
				if err := checkText(v); err != nil {
					WriteError(c, apperr.New(apperr.CodeBadRequest, "the query parameter "+strings.ToValidUTF8(k, "?")+" "+err.Error()))
					return
				}
			}
		}
		c.Next()
	}
}

func checkText(s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return errNUL
	}
	if !utf8.ValidString(s) {
		return errUTF8
	}
	return nil
}

// jsonFormats are huma's JSON formats with an Unmarshal that refuses a
// body that is not valid UTF-8, or whose strings (keys included) contain
// a NUL character: huma answers 400 for an Unmarshal error.
func jsonFormats() map[string]huma.Format {
	f := huma.Format{Marshal: huma.DefaultJSONFormat.Marshal, Unmarshal: strictUnmarshal}
	return map[string]huma.Format{"application/json": f, "json": f}
}

func strictUnmarshal(data []byte, v any) error {
	if !utf8.Valid(data) {
		return errors.New("the body " + errUTF8.Error())
	}
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	// huma first decodes every body into an `any` to validate it: the
	// generic value is walked then; typed decodes that follow see the
	// same bytes.
	if p, ok := v.(*any); ok && hasNUL(*p) {
		return errors.New("a string of the body " + errNUL.Error())
	}
	return nil
}

func hasNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.IndexByte(v, 0) >= 0
	case []any:
		for _, x := range v {
			if hasNUL(x) {
				return true
			}
		}
	case map[string]any:
		for k, x := range v {
			if strings.IndexByte(k, 0) >= 0 || hasNUL(x) {
				return true
			}
		}
	}
	return false
}

// validationPanics answers 422 instead of 500 when huma's validator
// panics on a well-formed but unexpected body: with uniqueItems it hashes
// the array's items, and an item that is itself an array or object
// ("hash of unhashable type") panics before the items' types are checked.
func validationPanics(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if re, ok := v.(runtime.Error); ok && strings.Contains(re.Error(), "unhashable type") {
				_ = huma.WriteErr(api, ctx, http.StatusUnprocessableEntity, "the request is invalid",
					&huma.ErrorDetail{Location: "body", Message: "array items must be unique values of the declared type"})
				return
			}
			panic(v)
		}()
		next(ctx)
	}
}
