package idempotency

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humagin"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
)

// header returns the Idempotency-Key header and whether it was sent at
// all: an empty value is an error, a missing header is no key.
func header(ctx huma.Context) (string, bool) {
	var value string
	present := false
	ctx.EachHeader(func(name, v string) {
		if !present && http.CanonicalHeaderKey(name) == Header {
			value, present = v, true
		}
	})
	return value, present
}

// scopeOf is whose key it is: the authenticated user, else the client IP.
func scopeOf(ctx huma.Context) string {
	if p, ok := auth.FromContext(ctx.Context()); ok {
		return "user:" + p.UserID.String()
	}
	return "ip:" + clientIP(ctx)
}

// clientIP is gin's ClientIP (which honours TRUSTED_PROXIES) when the API
// runs on gin, else the connection's address.
func clientIP(ctx huma.Context) (ip string) {
	defer func() {
		if recover() != nil {
			ip, _, _ = net.SplitHostPort(ctx.RemoteAddr())
			if ip == "" {
				ip = ctx.RemoteAddr()
			}
		}
	}()
	return humagin.Unwrap(ctx).ClientIP()
}

// readBody reads the whole body, which the fingerprint needs, within the
// operation's body limit (the platform's limit middleware usually stops
// it first; this keeps the middleware safe without it).
func readBody(ctx huma.Context) ([]byte, error) {
	r := ctx.BodyReader()
	limit := int64(0)
	if op := ctx.Operation(); op != nil {
		limit = op.MaxBodyBytes
	}
	if limit > 0 {
		r = io.LimitReader(r, limit+1)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, bodyError(err)
	}
	if limit > 0 && int64(len(body)) > limit {
		return nil, apperr.New(apperr.CodePayloadTooLarge, "the request body is larger than the limit")
	}
	return body, nil
}

func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return apperr.Wrap(apperr.CodePayloadTooLarge, "the request body is larger than the limit", err)
	}
	return apperr.Wrap(apperr.CodeBadRequest, "the request body could not be read", err)
}

// writeError answers with err the way huma answers a handler's error, so
// the platform's error transformer renders the envelope.
func writeError(api huma.API, ctx huma.Context, err error) {
	status := http.StatusInternalServerError
	var se huma.StatusError
	if errors.As(err, &se) {
		status = se.GetStatus()
	}
	ctx.SetHeader("Content-Type", "application/json; charset=utf-8")
	ctx.SetStatus(status)
	v, terr := api.Transform(ctx, strconv.Itoa(status), err)
	if terr != nil {
		v = err
	}
	if merr := api.Marshal(ctx.BodyWriter(), "application/json", v); merr != nil {
		_, _ = fmt.Fprintf(ctx.BodyWriter(), `{"code":"internal","message":"an unexpected error occurred","details":{}}`)
	}
}
