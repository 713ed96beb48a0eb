package httpclient

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// IdempotencyKeyHeader marks a POST or PATCH as safe to retry: the server
// stores the outcome under the key and replays it.
const IdempotencyKeyHeader = "Idempotency-Key"

// retryTransport retries failed attempts of requests that are safe to
// repeat, waiting between attempts with exponential backoff and full
// jitter (a random wait in [0, min(max, base*2^n)]), so that many clients
// retrying at once do not hit a recovering server in lockstep.
type retryTransport struct {
	next       http.RoundTripper
	maxRetries int
	base, max  time.Duration
}

// RoundTrip implements http.RoundTripper.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	retryable := Retryable(req)
	for attempt := 0; ; attempt++ {
		if attempt > 0 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
		res, err := t.next.RoundTrip(req)
		if !retryable || attempt >= t.maxRetries || !shouldRetry(req.Context(), res, err) {
			return res, err
		}
		wait, ok := t.backoff(attempt, res)
		if !ok {
			return res, err
		}
		if res != nil {
			drain(res)
		}
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// Retryable reports whether req may be sent more than once: the idempotent
// methods of RFC 9110 (GET, HEAD, OPTIONS, TRACE, PUT, DELETE), or POST
// and PATCH carrying an Idempotency-Key. A body that cannot be replayed
// (no GetBody) makes any request non-retryable.
func Retryable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	case http.MethodPost, http.MethodPatch:
		return req.Header.Get(IdempotencyKeyHeader) != ""
	}
	return false
}

// shouldRetry: a transport error (refused, reset, timed out waiting for
// headers) or an answer that says "try again": 429, 502, 503, 504. Never
// when the caller's context is done.
func shouldRetry(ctx context.Context, res *http.Response, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		return !errors.Is(err, context.Canceled)
	}
	switch res.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// backoff is the wait before the next attempt. A Retry-After in seconds
// is honoured when it fits under the cap; a longer one ends the retries
// (ok false), handing the answer to the caller.
func (t *retryTransport) backoff(attempt int, res *http.Response) (time.Duration, bool) {
	if res != nil {
		if s := res.Header.Get("Retry-After"); s != "" {
			secs, err := strconv.Atoi(s)
			if err == nil && secs >= 0 {
				d := time.Duration(secs) * time.Second
				return d, d <= t.max
			}
		}
	}
	ceiling := t.base << min(attempt, 30)
	if ceiling <= 0 || ceiling > t.max {
		ceiling = t.max
	}
	return rand.N(ceiling + 1), true //nolint:gosec // jitter, not a secret
}

func drain(res *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	_ = res.Body.Close()
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
