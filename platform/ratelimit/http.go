package ratelimit

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
)

// The header fields of draft-ietf-httpapi-ratelimit-headers.
const (
	HeaderPolicy     = "RateLimit-Policy"
	HeaderRateLimit  = "RateLimit"
	HeaderRetryAfter = "Retry-After"
)

// Rule gives one route a stricter bucket of its own. Method is the HTTP
// method and Path the route as registered with huma ("/v1/things/{id}").
// The bucket is keyed by client IP even for authenticated callers: such
// routes guard credentials, and a stolen token must not buy a fresh
// budget. A module contributes its rules with ProvideRules.
type Rule struct {
	Method, Path string
	Bucket       Bucket
}

// route names a request by method and gin route template.
type route struct{ method, path string }

// exempt are the operational routes probes and scrapers call: limiting
// them would let a load balancer's own checks pull a healthy replica.
var exempt = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// HTTP applies the buckets to HTTP requests; it implements the rate-limit
// hook of platform/httpserver (Limit), which runs after authentication.
type HTTP struct {
	limiter *Limiter
	def     Bucket
	rules   map[route]Bucket
	metrics *Metrics
	log     *zap.Logger
	failing atomic.Bool
}

// NewHTTP returns the hook over l: def for every route, and each rule's
// bucket for its route. It refuses a bucket that cannot work and two
// rules for one route. m and log may be nil.
func NewHTTP(l *Limiter, def Bucket, rules []Rule, m *Metrics, log *zap.Logger) (*HTTP, error) {
	if err := def.Validate(); err != nil {
		return nil, err
	}
	byRoute := make(map[route]Bucket, len(rules))
	for _, r := range rules {
		if err := r.Bucket.Validate(); err != nil {
			return nil, err
		}
		key := route{r.Method, ginPath(r.Path)}
		if _, dup := byRoute[key]; dup {
			return nil, fmt.Errorf("rate limit: two rules for %s %s", r.Method, r.Path)
		}
		byRoute[key] = r.Bucket
	}
	if log == nil {
		log = zap.NewNop()
	}
	return &HTTP{limiter: l, def: def, rules: byRoute, metrics: m, log: log}, nil
}

// ginPath turns huma's "{param}" segments into gin's ":param", the form
// c.FullPath() reports.
func ginPath(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = ":" + s[1:len(s)-1]
		}
	}
	return strings.Join(segs, "/")
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
	b, key := h.classify(c)
	d, err := h.limiter.Allow(c.Request.Context(), b, key)
	if err != nil {
		return h.failure(c, b, err)
	}
	h.recovered()
	hdr := c.Writer.Header()
	hdr.Set(HeaderPolicy, b.PolicyHeader())
	hdr.Set(HeaderRateLimit, d.Header(b))
	if d.Allowed {
		h.metrics.decision(b.Name, decisionAllowed)
		return nil
	}
	h.metrics.decision(b.Name, decisionLimited)
	retry := d.RetryAfterSeconds()
	hdr.Set(HeaderRetryAfter, strconv.Itoa(retry))
	return &apperr.Error{
		Code:    apperr.CodeRateLimited,
		Message: "too many requests; retry after " + strconv.Itoa(retry) + " seconds",
		Details: map[string]any{"policy": b.Name, "retryAfter": retry},
	}
}

// classify picks the bucket and the key: a rule's own bucket by client IP
// (see Rule), otherwise the default bucket by user when authenticated and
// by client IP when not.
func (h *HTTP) classify(c *gin.Context) (Bucket, string) {
	if b, ok := h.rules[route{c.Request.Method, c.FullPath()}]; ok {
		return b, "ip:" + ClientKey(c.ClientIP())
	}
	if pr, ok := auth.FromContext(c.Request.Context()); ok {
		return h.def, "user:" + pr.UserID.String()
	}
	return h.def, "ip:" + ClientKey(c.ClientIP())
}

// failure applies the fail-open/fail-closed rule when Redis could not
// decide. The first failure after a success is logged; every one is
// counted.
func (h *HTTP) failure(c *gin.Context, b Bucket, err error) error {
	h.metrics.decision(b.Name, decisionError)
	if h.failing.CompareAndSwap(false, true) {
		h.log.Error("rate limiter cannot reach redis: fail-open buckets let requests through, fail-closed ones refuse them",
			zap.String("bucket", b.Name), zap.Error(err))
	}
	if !b.FailClosed {
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
