package ratelimit

import (
	"net/netip"
	"strconv"
	"sync/atomic"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/config"
)

// The header fields of draft-ietf-httpapi-ratelimit-headers.
const (
	HeaderPolicy     = "RateLimit-Policy"
	HeaderRateLimit  = "RateLimit"
	HeaderRetryAfter = "Retry-After"
)

// Route names an operation by method and gin route template.
type Route struct {
	Method string
	Path   string
}

// SensitiveRoutes are the anonymous routes that guard credentials, each
// with its own strict bucket keyed by client IP, failing closed.
var SensitiveRoutes = map[Route]string{
	{"POST", "/v1/auth/login"}:                  BucketLogin,
	{"POST", "/v1/auth/signup"}:                 BucketSignup,
	{"POST", "/v1/auth/password-reset"}:         BucketPasswordReset,
	{"POST", "/v1/auth/password-reset/confirm"}: BucketPasswordReset,
}

// exempt are the operational routes probes and scrapers call: limiting
// them would let a load balancer's own checks pull a healthy replica.
var exempt = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// HTTP applies the policies to HTTP requests; it implements the rate-limit
// hook of platform/httpserver (Limit), which runs after authentication.
type HTTP struct {
	limiter   *Limiter
	def       Policy
	sensitive map[Route]Policy
	metrics   *Metrics
	log       *zap.Logger
	failing   atomic.Bool
}

// Policies derives the buckets from configuration: the default one from
// RATE_LIMIT_DEFAULT per RATE_LIMIT_DEFAULT_WINDOW, and login, signup and
// password-reset, each its own bucket of RATE_LIMIT_AUTH per
// RATE_LIMIT_AUTH_WINDOW that fails closed.
func Policies(cfg config.RateLimit) (def Policy, sensitive map[Route]Policy) {
	def = Policy{Name: BucketDefault, Rate: cfg.DefaultRate, Window: cfg.DefaultWindow}
	sensitive = make(map[Route]Policy, len(SensitiveRoutes))
	for r, name := range SensitiveRoutes {
		sensitive[r] = Policy{Name: name, Rate: cfg.AuthRate, Window: cfg.AuthWindow, FailClosed: true}
	}
	return def, sensitive
}

// NewHTTP returns the hook over l with the policies of cfg. m and log may
// be nil.
func NewHTTP(l *Limiter, cfg config.RateLimit, m *Metrics, log *zap.Logger) (*HTTP, error) {
	def, sensitive := Policies(cfg)
	if err := def.Validate(); err != nil {
		return nil, err
	}
	for _, p := range sensitive {
		if err := p.Validate(); err != nil {
			return nil, err
		}
	}
	if log == nil {
		log = zap.NewNop()
	}
	return &HTTP{limiter: l, def: def, sensitive: sensitive, metrics: m, log: log}, nil
}

// Limit takes a token for the request. It returns nil to let it through,
// an apperr rate_limited (429) when the bucket is empty, or unavailable
// (503) when Redis cannot be reached and the route fails closed. Either
// way it sets RateLimit-Policy and RateLimit when it knows them, and
// Retry-After on a refusal.
func (h *HTTP) Limit(c *gin.Context) error {
	if exempt[c.Request.URL.Path] {
		return nil
	}
	p, key := h.classify(c)
	d, err := h.limiter.Allow(c.Request.Context(), p, key)
	if err != nil {
		return h.failure(c, p, err)
	}
	h.recovered()
	hdr := c.Writer.Header()
	hdr.Set(HeaderPolicy, p.PolicyHeader())
	hdr.Set(HeaderRateLimit, d.Header(p))
	if d.Allowed {
		h.metrics.decision(p.Name, decisionAllowed)
		return nil
	}
	h.metrics.decision(p.Name, decisionLimited)
	retry := d.RetryAfterSeconds()
	hdr.Set(HeaderRetryAfter, strconv.Itoa(retry))
	return &apperr.Error{
		Code:    apperr.CodeRateLimited,
		Message: "too many requests; retry after " + strconv.Itoa(retry) + " seconds",
		Details: map[string]any{"policy": p.Name, "retryAfter": retry},
	}
}

// classify picks the bucket and the key: a sensitive route's own bucket
// by client IP (they are anonymous, and a stolen token must not buy a
// fresh budget), otherwise the default bucket by user when authenticated
// and by client IP when not.
func (h *HTTP) classify(c *gin.Context) (Policy, string) {
	if p, ok := h.sensitive[Route{c.Request.Method, c.FullPath()}]; ok {
		return p, "ip:" + ClientKey(c.ClientIP())
	}
	if pr, ok := auth.FromContext(c.Request.Context()); ok {
		return h.def, "user:" + pr.UserID.String()
	}
	return h.def, "ip:" + ClientKey(c.ClientIP())
}

// failure applies the fail-open/fail-closed rule when Redis could not
// decide. The first failure after a success is logged; every one is
// counted.
func (h *HTTP) failure(c *gin.Context, p Policy, err error) error {
	h.metrics.decision(p.Name, decisionError)
	if h.failing.CompareAndSwap(false, true) {
		h.log.Error("rate limiter cannot reach redis: ordinary routes fail open, sensitive routes fail closed",
			zap.String("bucket", p.Name), zap.Error(err))
	}
	if !p.FailClosed {
		return nil
	}
	c.Writer.Header().Set(HeaderRetryAfter, "1")
	return apperr.Unavailable(err)
}

// recovered logs the first success after failures.
func (h *HTTP) recovered() {
	if h.failing.CompareAndSwap(true, false) {
		h.log.Info("rate limiter reaches redis again")
	}
}

// ClientKey normalises a client IP for keying: IPv4 as is, IPv6 by its
// /64 network, since one subscriber typically holds a whole /64 and could
// otherwise rotate through 2^64 addresses to get fresh buckets.
func ClientKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return a.String()
	}
	return p.String()
}
