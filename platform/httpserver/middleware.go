package httpserver

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"runtime/debug"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
	rscors "github.com/rs/cors"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/requestid"
)

// recovery turns a panic into a 500 envelope, through gin's recovery
// (which also ends quietly a request whose client has gone: a broken pipe,
// a reset connection or http.ErrAbortHandler). The panic value and stack
// go to the log under the request id, never to the client.
func recovery(log *zap.Logger) gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, v any) {
		log.Error("panic recovered",
			zap.String("requestId", requestid.From(c.Request.Context())),
			zap.String("method", c.Request.Method),
			zap.String("route", routeOf(c)),
			zap.Any("panic", v),
			zap.ByteString("stack", debug.Stack()),
		)
		if c.Writer.Written() {
			c.Abort() // too late for an envelope: the status line is out
			return
		}
		WriteError(c, internalError(fmt.Errorf("panic: %v", v)))
	})
}

// requestID keeps a valid inbound X-Request-Id, replaces anything else,
// and puts the id in the response header and the request context.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		rid := requestid.OrNew(c.GetHeader(requestid.Header))
		c.Header(requestid.Header, rid)
		c.Request = c.Request.WithContext(requestid.With(c.Request.Context(), rid))
		c.Next()
	}
}

// securityHeaders sets the headers docs/api.md requires on every response, and,
// just before the status line goes out (when the status and the caller are
// known): Cache-Control: no-store on authenticated and error responses,
// charset=utf-8 on JSON, and WWW-Authenticate on a 401.
func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("X-Content-Type-Options", "nosniff")
		w := &hookWriter{ResponseWriter: c.Writer, before: func(status int) { finalizeHeaders(c, status) }}
		c.Writer = w
		c.Next()
		// gin writes the headers of a body-less answer (e.g. 204) with its
		// own writer once the chain returns; do it here, through the hook.
		w.WriteHeaderNow()
	}
}

func finalizeHeaders(c *gin.Context, status int) {
	h := c.Writer.Header()
	if _, authenticated := auth.FromContext(c.Request.Context()); authenticated || status >= 400 {
		h.Set("Cache-Control", "no-store")
	}
	if ct := h.Get("Content-Type"); ct == "application/json" {
		h.Set("Content-Type", jsonContentType)
	}
	if status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		if c.GetHeader("Authorization") != "" {
			h.Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		} else {
			h.Set("WWW-Authenticate", "Bearer")
		}
	}
}

// hookWriter runs before once, right before the status line is written.
type hookWriter struct {
	gin.ResponseWriter
	before func(status int)
	done   bool
}

func (w *hookWriter) fire() {
	if w.done || w.Written() {
		return
	}
	w.done = true
	w.before(w.Status())
}

// WriteHeaderNow implements gin.ResponseWriter.
func (w *hookWriter) WriteHeaderNow() {
	w.fire()
	w.ResponseWriter.WriteHeaderNow()
}

// Write implements io.Writer.
func (w *hookWriter) Write(b []byte) (int, error) {
	w.fire()
	return w.ResponseWriter.Write(b)
}

// WriteString implements io.StringWriter.
func (w *hookWriter) WriteString(s string) (int, error) {
	w.fire()
	return w.ResponseWriter.WriteString(s)
}

// Flush implements http.Flusher.
func (w *hookWriter) Flush() {
	w.fire()
	w.ResponseWriter.Flush()
}

// Unwrap lets http.ResponseController (huma's body read deadline) reach
// the connection.
func (w *hookWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// inFlightLimit answers 503 at once when max requests are already being
// served, instead of queueing until every request times out. Liveness,
// readiness and metrics are exempt so an overloaded process is not killed
// or blinded.
func inFlightLimit(maxInFlight int) gin.HandlerFunc {
	if maxInFlight <= 0 {
		return func(c *gin.Context) { c.Next() }
	}
	slots := make(chan struct{}, maxInFlight)
	return func(c *gin.Context) {
		switch c.Request.URL.Path {
		case "/healthz", "/readyz", "/metrics":
			c.Next()
			return
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			c.Next()
		default:
			c.Header("Retry-After", "1")
			WriteError(c, &Error{Code: apperr.CodeUnavailable, Message: "the server is at capacity, retry later"})
		}
	}
}

// cors implements docs/api.md's allow-list with github.com/rs/cors: a listed
// origin gets the matching Access-Control-Allow-Origin with credentials (a
// wildcard configuration, refused in prod, gets "*" without them) and
// Vary: Origin, and its preflights are answered 204 here. Any other origin
// gets no Access-Control-Allow-* header and its request, preflight
// included, goes on as if it were not cross-origin, to be answered or
// refused in the envelope (gin-contrib/cors would answer a bare 403).
func cors(origins []string) gin.HandlerFunc {
	if len(origins) == 0 {
		return func(c *gin.Context) { c.Next() }
	}
	policy := rscors.New(rscors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
		AllowedHeaders:   []string{"Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match", "X-Request-Id"},
		ExposedHeaders:   []string{"X-Request-Id", "ETag", "Location", "Retry-After", "RateLimit", "RateLimit-Policy", "Idempotent-Replayed"},
		AllowCredentials: !slices.Contains(origins, "*"),
		MaxAge:           600,
	})
	return func(c *gin.Context) {
		preflight := c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != ""
		if preflight && !policy.OriginAllowed(c.Request) {
			c.Next()
			return
		}
		policy.HandlerFunc(c.Writer, c.Request)
		if preflight {
			c.Abort()
		}
	}
}

// bodyLimit answers 413 at once when Content-Length is over limit and
// otherwise caps the body with http.MaxBytesReader, so a chunked body is
// cut after limit bytes instead of being read into memory.
func bodyLimit(limit int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if limit <= 0 || c.Request.Body == nil || c.Request.Body == http.NoBody {
			c.Next()
			return
		}
		if c.Request.ContentLength > limit {
			c.Header("Connection", "close")
			WriteError(c, payloadTooLarge(nil))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		c.Next()
	}
}

// contentType answers 415 for a request that has a body but does not say
// it is JSON: application/json, or for a PATCH also
// application/merge-patch+json (RFC 7396, the semantics of our PATCH),
// parameters allowed. Unmatched routes are left to the 404/405 handlers.
func contentType() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !sendsBody(c.Request) || c.FullPath() == "" {
			c.Next()
			return
		}
		mt, params, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
		patch := c.Request.Method == http.MethodPatch
		isJSON := mt == "application/json" || patch && mt == mergePatchJSON
		if err != nil || !isJSON {
			message := "send the request body as application/json"
			if patch {
				message += " or " + mergePatchJSON
			}
			WriteError(c, apperr.New(apperr.CodeUnsupportedMediaType, message))
			return
		}
		// Media types are case-insensitive; huma looks its decoder up by
		// the exact text, so it gets the canonical (lower-case) form.
		c.Request.Header.Set("Content-Type", mime.FormatMediaType(mt, params))
		c.Next()
	}
}

// mergePatchJSON is the media type of a JSON merge patch (RFC 7396).
const mergePatchJSON = "application/merge-patch+json"

func sendsBody(r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return false
	}
	return r.ContentLength != 0
}

// deadline gives every request a context deadline; work that honours its
// context stops there, and the error it returns is answered 504.
func deadline(timeout time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		if timeout <= 0 {
			c.Next()
			return
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), timeout)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}
