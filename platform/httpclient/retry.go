package httpclient

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"go.uber.org/zap"
)

// retrying sends the requests that are safe to repeat through
// go-retryablehttp and every other request once, straight to the traced
// transport.
type retrying struct {
	retry, once http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t retrying) RoundTrip(req *http.Request) (*http.Response, error) {
	if retryable(req) {
		return t.retry.RoundTrip(req)
	}
	return t.once.RoundTrip(req)
}

// newRetrying wraps next (one span per attempt) in the retry policy of cfg.
func newRetrying(cfg Config, next http.RoundTripper, log *zap.Logger) retrying {
	c := &retryablehttp.Client{
		// Only the caller's *http.Client follows redirects, with its policy.
		HTTPClient: &http.Client{Transport: next, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		Logger:       logger{log.Sugar()},
		RetryWaitMin: cfg.BackoffBase,
		RetryWaitMax: cfg.BackoffMax,
		RetryMax:     cfg.MaxRetries,
		CheckRetry:   checkRetry(cfg.BackoffMax),
		Backoff:      backoff,
		// After the last attempt the caller gets its answer, not an error.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	return retrying{retry: &retryablehttp.RoundTripper{Client: c}, once: next}
}

// retryable reports whether req may be sent more than once: the idempotent
// methods of RFC 9110 (GET, HEAD, OPTIONS, TRACE, PUT, DELETE), or POST
// and PATCH carrying an Idempotency-Key. A body that cannot be replayed
// (no GetBody: a stream) makes any request non-retryable rather than
// buffered whole.
func retryable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	case http.MethodPost, http.MethodPatch:
		return req.Header.Get("Idempotency-Key") != ""
	}
	return false
}

// checkRetry retries a transport error (refused, reset, no headers in
// time; not the permanent ones retryablehttp knows, such as a bad
// certificate) and the answers that say "try again": 429, 502, 503, 504,
// unless their Retry-After is beyond maxWait (the answer then goes back to
// the caller). Never once the caller's context is done.
func checkRetry(maxWait time.Duration) retryablehttp.CheckRetry {
	return func(ctx context.Context, res *http.Response, err error) (bool, error) {
		if ctx.Err() != nil {
			return false, nil
		}
		if err != nil {
			return retryablehttp.DefaultRetryPolicy(ctx, res, err)
		}
		switch res.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			wait, ok := retryAfter(res)
			return !ok || wait <= maxWait, nil
		}
		return false, nil
	}
}

// backoff waits the server's Retry-After (checkRetry made sure it fits),
// else a random time in [0, min(maxWait, base*2^attempt)]: exponential
// backoff with full jitter, so that many clients retrying at once do not
// hit a recovering server in lockstep.
func backoff(base, maxWait time.Duration, attempt int, res *http.Response) time.Duration {
	if wait, ok := retryAfter(res); ok {
		return wait
	}
	ceiling := base << min(attempt, 30)
	if ceiling <= 0 || ceiling > maxWait {
		ceiling = maxWait
	}
	return rand.N(ceiling + 1) //nolint:gosec // jitter, not a secret
}

// retryAfter is a Retry-After given in seconds.
func retryAfter(res *http.Response) (time.Duration, bool) {
	if res == nil {
		return 0, false
	}
	secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil || secs < 0 {
		return 0, false
	}
	return time.Duration(secs) * time.Second, true
}

// logger hands retryablehttp's messages to zap. A failed attempt is a
// warning, not an error: the caller gets the final outcome and logs it.
type logger struct{ s *zap.SugaredLogger }

func (l logger) Error(msg string, kv ...any) { l.s.Warnw(msg, kv...) }
func (l logger) Warn(msg string, kv ...any)  { l.s.Warnw(msg, kv...) }
func (l logger) Info(msg string, kv ...any)  { l.s.Infow(msg, kv...) }
func (l logger) Debug(msg string, kv ...any) { l.s.Debugw(msg, kv...) }
