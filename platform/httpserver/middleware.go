package httpserver

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/requestid"
)

// recovery turns a panic into a 500 envelope. The panic value and stack go
// to the log under the request id, never to the client.
func recovery(log *zap.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
				panic(v)
			}
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
		}()
		c.Next()
	}
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

// securityHeaders sets the headers API.md requires on every response, and,
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

// corsHeaders exposed to browsers on cross-origin responses.
const (
	corsExposed = "X-Request-Id, ETag, Location, Retry-After, RateLimit, RateLimit-Policy, Idempotent-Replayed"
	corsMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
	corsHeaders = "Authorization, Content-Type, Idempotency-Key, If-Match, If-None-Match, X-Request-Id"
)

// cors implements API.md's allow-list: a listed origin gets the matching
// Access-Control-Allow-Origin (never "*") and Vary: Origin, and its
// preflights are answered here; any other origin gets no
// Access-Control-Allow-* header and its request proceeds as if it were not
// cross-origin (the browser then blocks it).
func cors(origins []string) gin.HandlerFunc {
	allowed := make(map[string]bool, len(origins))
	anyOrigin := false
	for _, o := range origins {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		if o == "*" {
			anyOrigin = true
		} else if o != "" {
			allowed[strings.ToLower(o)] = true
		}
	}
	enabled := anyOrigin || len(allowed) > 0
	return func(c *gin.Context) {
		if !enabled {
			c.Next()
			return
		}
		h := c.Writer.Header()
		h.Add("Vary", "Origin")
		origin := c.GetHeader("Origin")
		if origin == "" || (!anyOrigin && !allowed[strings.ToLower(origin)]) {
			c.Next()
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		if !anyOrigin {
			// Credentials only for origins listed by name: a wildcard
			// configuration reflects the origin without them.
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", "600")
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExposed)
		c.Next()
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
// it is JSON. Unmatched routes are left to the 404/405 handlers.
func contentType() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !sendsBody(c.Request) || c.FullPath() == "" {
			c.Next()
			return
		}
		mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
		if err != nil || mt != "application/json" {
			WriteError(c, apperr.New(apperr.CodeUnsupportedMediaType, "send the request body as application/json"))
			return
		}
		c.Next()
	}
}

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
