package idempotency

import (
	"bytes"
	"context"
	"io"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// replayedHeaders are the response headers an outcome records and a
// replay sends again. Headers the platform middleware sets (request id,
// security headers, rate limits) belong to each request, not the outcome.
var replayedHeaders = []string{"Content-Type", "Location", "ETag"}

// humaCtx lets capture embed huma.Context and still define Context().
type humaCtx = huma.Context

// capture is a huma.Context that hands the handler a transaction-carrying
// context and the already-read body, and buffers the response, so that
// nothing reaches the client before the outcome has committed.
type capture struct {
	humaCtx
	ctx     context.Context
	body    []byte
	status  int
	headers http.Header
	buf     bytes.Buffer
}

func newCapture(ctx huma.Context, txCtx context.Context, body []byte) *capture {
	return &capture{humaCtx: ctx, ctx: txCtx, body: body, headers: http.Header{}}
}

// Unwrap lets adapter helpers (humagin.Unwrap) reach the original context.
func (c *capture) Unwrap() huma.Context { return c.humaCtx }

func (c *capture) Context() context.Context     { return c.ctx }
func (c *capture) BodyReader() io.Reader        { return bytes.NewReader(c.body) }
func (c *capture) SetStatus(code int)           { c.status = code }
func (c *capture) Status() int                  { return c.status }
func (c *capture) SetHeader(name, value string) { c.headers.Set(name, value) }
func (c *capture) AppendHeader(name, value string) {
	c.headers.Add(name, value)
}
func (c *capture) BodyWriter() io.Writer { return &c.buf }

// response is what the handler answered.
func (c *capture) response() Response {
	status := c.status
	if status == 0 {
		status = http.StatusOK
	}
	h := map[string]string{}
	for _, name := range replayedHeaders {
		if v := c.headers.Get(name); v != "" {
			h[name] = v
		}
	}
	return Response{Status: status, Headers: h, Body: c.buf.Bytes()}
}

// flush writes the buffered response, every header included, to ctx.
func (c *capture) flush(ctx huma.Context) {
	for name, values := range c.headers {
		for _, v := range values {
			ctx.AppendHeader(name, v)
		}
	}
	ctx.SetStatus(c.response().Status)
	_, _ = ctx.BodyWriter().Write(c.buf.Bytes())
}

// replay writes a recorded outcome to ctx.
func replay(ctx huma.Context, r Response) {
	for name, v := range r.Headers {
		ctx.SetHeader(name, v)
	}
	ctx.SetHeader(ReplayedHeader, "true")
	ctx.SetStatus(r.Status)
	_, _ = ctx.BodyWriter().Write(r.Body)
}
