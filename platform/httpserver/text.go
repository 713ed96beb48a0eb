package httpserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gin-gonic/gin"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/zebralabs/zebra/platform/apperr"
)

// PostgreSQL text can hold neither NUL characters nor invalid UTF-8, and
// Go's decoders pass both through; encoding/json even replaces invalid
// bytes and lone surrogate escapes (\ud800) with U+FFFD silently, storing
// something the client never sent. So the platform refuses them at the
// edge, for every route (docs/api.md, "text"):
//   - in the path and query, textGuard answers 400;
//   - in a JSON body, invalid UTF-8 and lone surrogate escapes are not
//     Unicode text at all: jsonFormats answers 400 bad_request, like any
//     body that does not decode;
//   - a NUL character (\u0000) is valid JSON: bodyShape answers 422
//     naming the field, like the field rules that refuse other control
//     characters (e.g. a title that must be one line).

// errNUL and errUTF8 are the causes of textGuard's 400s.
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

// jsonFormats are huma's JSON formats (application/json, and every
// +json type such as application/merge-patch+json) with an Unmarshal that
// refuses a body that is not Unicode text: huma answers 400 for an
// Unmarshal error.
func jsonFormats() map[string]huma.Format {
	f := huma.Format{Marshal: huma.DefaultJSONFormat.Marshal, Unmarshal: strictUnmarshal}
	return map[string]huma.Format{"application/json": f, "json": f}
}

// Text errors of a JSON body. Their messages start with textErrorPrefix,
// which validationError shows as is (not as "not valid JSON").
var (
	errBodyUTF8      = errors.New(textErrorPrefix + "is not valid UTF-8")
	errLoneSurrogate = errors.New(textErrorPrefix + "contains a lone surrogate escape (\\ud800 to \\udfff without its pair), which is not Unicode text")
)

const textErrorPrefix = "the request body "

func strictUnmarshal(data []byte, v any) error {
	if !utf8.Valid(data) {
		return errBodyUTF8
	}
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	// The body is UTF-8 and decodes: jsontext (RFC 7493 rules, duplicate
	// names allowed as encoding/json allows them) only refuses it now for
	// an escape of a UTF-16 surrogate without its pair, which
	// encoding/json turned into U+FFFD. Bodies with no \u escape at all
	// skip the second pass.
	if bytes.Contains(data, []byte(`\u`)) && !jsontext.Value(data).IsValid(jsontext.AllowDuplicateNames(true)) {
		return errLoneSurrogate
	}
	return nil
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
