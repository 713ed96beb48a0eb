package ratelimit_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/ratelimit"
)

// server is one replica: the platform's real engine with the limiter
// plugged into its hook, on a real listener.
type server struct {
	url     string
	metrics *prometheus.Registry
}

type serverOptions struct {
	rdb            redis.Cmdable
	prefix         string
	limits         buckets
	trustedProxies []string
}

func newServer(t *testing.T, o serverOptions) server {
	t.Helper()
	cfg, err := config.LoadEnv(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.HTTP.TrustedProxies = o.trustedProxies
	reg := prometheus.NewRegistry()
	m, err := ratelimit.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	hook, err := ratelimit.NewHTTP(ratelimit.New(o.rdb, ratelimit.Options{Prefix: o.prefix, Backoff: time.Minute}), o.limits.def, o.limits.rules, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := httpserver.NewEngine(httpserver.EngineOptions{HTTP: cfg.HTTP, Limiter: hook, Verifier: tokens{}})
	if err != nil {
		t.Fatal(err)
	}
	ok := func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) }
	e.GET("/healthz", ok)
	e.GET("/v1/things", ok)
	e.POST("/v1/vault/unlock", ok)
	e.POST("/v1/vault/enrol", ok)
	e.POST("/v1/vault/:id/reset", ok)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return server{url: srv.URL, metrics: reg}
}

// tokens is a verifier for these tests: the bearer token "user-<uuid>"
// authenticates that user. The limiter only reads the principal.
type tokens struct{}

func (tokens) Verify(_ context.Context, token string) (auth.Principal, error) {
	id, err := uuid.Parse(strings.TrimPrefix(token, "user-"))
	if err != nil {
		return auth.Principal{}, apperr.Unauthorized("bad token")
	}
	return auth.Principal{UserID: id, Roles: []auth.Role{auth.RoleMember}}, nil
}

// buckets are a server's default bucket and rules.
type buckets struct {
	def   ratelimit.Bucket
	rules []ratelimit.Rule
}

// limits returns the default bucket of def requests a minute and the rules
// of the test routes that guard credentials: POST /v1/vault/unlock,
// /v1/vault/enrol and /v1/vault/{id}/reset, each its own bucket of strict
// requests a minute that fails closed.
func limits(def, strict int) buckets {
	bucket := func(name string) ratelimit.Bucket {
		return ratelimit.Bucket{Name: name, Limit: strict, Window: time.Minute, FailClosed: true}
	}
	return buckets{
		def: ratelimit.Bucket{Name: ratelimit.BucketDefault, Limit: def, Window: time.Minute},
		rules: []ratelimit.Rule{
			{Method: http.MethodPost, Path: "/v1/vault/unlock", Bucket: bucket("unlock")},
			{Method: http.MethodPost, Path: "/v1/vault/enrol", Bucket: bucket("enrol")},
			{Method: http.MethodPost, Path: "/v1/vault/{id}/reset", Bucket: bucket("reset")},
		},
	}
}

type request struct {
	method, path string
	header       map[string]string
}

func do(t *testing.T, base string, r request) *http.Response {
	t.Helper()
	var body *strings.Reader
	if r.method == http.MethodPost {
		body = strings.NewReader(`{}`)
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(r.method, base+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if r.method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = res.Body.Close() })
	return res
}

type envelope struct {
	Code      string         `json:"code"`
	Message   string         `json:"message"`
	Details   map[string]any `json:"details"`
	RequestID string         `json:"requestId"`
}

func decode(t *testing.T, res *http.Response) envelope {
	t.Helper()
	var env envelope
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil {
		t.Fatalf("decode envelope: %v", err)
	}
	return env
}

func TestRuleBucketRefusesWith429AndHeaders(t *testing.T) {
	t.Parallel()
	rdb, prefix := newRedis(t)
	s := newServer(t, serverOptions{rdb: rdb, prefix: prefix, limits: limits(100, 3)})
	unlock := request{method: "POST", path: "/v1/vault/unlock"}

	for i := range 3 {
		res := do(t, s.url, unlock)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("attempt %d: status %d", i, res.StatusCode)
		}
		if got := res.Header.Get("RateLimit-Policy"); got != `"unlock";q=3;w=60` {
			t.Errorf("RateLimit-Policy = %q", got)
		}
		want := `"unlock";r=` + strconv.Itoa(2-i) + ";t="
		if got := res.Header.Get("RateLimit"); !strings.HasPrefix(got, want) {
			t.Errorf("RateLimit = %q, want prefix %q", got, want)
		}
	}
	res := do(t, s.url, unlock)
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("4th attempt: status %d, want 429", res.StatusCode)
	}
	if got := res.Header.Get("Retry-After"); got != "20" {
		t.Errorf("Retry-After = %q, want 20 (a token per 20s)", got)
	}
	if got := res.Header.Get("RateLimit"); got != `"unlock";r=0;t=60` {
		t.Errorf("RateLimit = %q", got)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	env := decode(t, res)
	if env.Code != "rate_limited" || env.RequestID == "" || env.RequestID != res.Header.Get("X-Request-Id") || env.Details == nil {
		t.Errorf("envelope = %+v", env)
	}

	// The other rules' buckets and the default one are separate.
	for _, r := range []request{{method: "POST", path: "/v1/vault/enrol"}, {method: "POST", path: "/v1/vault/v-1/reset"}, {method: "GET", path: "/v1/things"}} {
		if res := do(t, s.url, r); res.StatusCode != http.StatusOK {
			t.Errorf("%s %s after unlock was limited: %d", r.method, r.path, res.StatusCode)
		}
	}
	if got := decisions(t, s, "unlock", "limited"); got != 1 {
		t.Errorf("ratelimit_decisions_total{unlock,limited} = %v", got)
	}
	if got := decisions(t, s, "unlock", "allowed"); got != 3 {
		t.Errorf("ratelimit_decisions_total{unlock,allowed} = %v", got)
	}
}

// decisions reads ratelimit_decisions_total{bucket,decision} of s.
func decisions(t *testing.T, s server, bucket, decision string) float64 {
	t.Helper()
	families, err := s.metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "ratelimit_decisions_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["bucket"] == bucket && labels["decision"] == decision {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func TestAuthenticatedCallersAreLimitedPerUser(t *testing.T) {
	t.Parallel()
	rdb, prefix := newRedis(t)
	s := newServer(t, serverOptions{rdb: rdb, prefix: prefix, limits: limits(2, 2)})
	alice := request{method: "GET", path: "/v1/things", header: map[string]string{"Authorization": "Bearer user-" + uuid.NewString()}}
	bob := request{method: "GET", path: "/v1/things", header: map[string]string{"Authorization": "Bearer user-" + uuid.NewString()}}
	anonymous := request{method: "GET", path: "/v1/things"}

	for range 2 {
		if res := do(t, s.url, alice); res.StatusCode != http.StatusOK {
			t.Fatalf("alice: %d", res.StatusCode)
		}
	}
	if res := do(t, s.url, alice); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("alice's 3rd request: %d, want 429", res.StatusCode)
	}
	// Same IP, other user; and the anonymous budget of that IP: untouched.
	for _, r := range []request{bob, bob, anonymous, anonymous} {
		if res := do(t, s.url, r); res.StatusCode != http.StatusOK {
			t.Fatalf("%v: %d, want 200: alice's budget leaked", r.header, res.StatusCode)
		}
	}
}

func TestSpoofedForwardedForFromUntrustedPeerChangesNothing(t *testing.T) {
	t.Parallel()
	rdb, prefix := newRedis(t)
	s := newServer(t, serverOptions{rdb: rdb, prefix: prefix, limits: limits(100, 2)})
	for i := range 2 {
		r := request{method: "POST", path: "/v1/vault/unlock", header: map[string]string{
			"X-Forwarded-For": "203.0.113." + strconv.Itoa(i), "X-Real-IP": "198.51.100." + strconv.Itoa(i),
		}}
		if res := do(t, s.url, r); res.StatusCode != http.StatusOK {
			t.Fatalf("attempt %d: %d", i, res.StatusCode)
		}
	}
	for i := range 5 {
		r := request{method: "POST", path: "/v1/vault/unlock", header: map[string]string{
			"X-Forwarded-For": "203.0.113.1" + strconv.Itoa(i), "X-Real-IP": "198.51.100.1" + strconv.Itoa(i),
			"Forwarded": "for=192.0.2." + strconv.Itoa(i), "True-Client-IP": "192.0.2.9" + strconv.Itoa(i),
		}}
		if res := do(t, s.url, r); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("spoofed header %d bought a fresh bucket: %d", i, res.StatusCode)
		}
	}
}

func TestTrustedProxyForwardedForIsHonoured(t *testing.T) {
	t.Parallel()
	rdb, prefix := newRedis(t)
	s := newServer(t, serverOptions{rdb: rdb, prefix: prefix, limits: limits(100, 1), trustedProxies: []string{"127.0.0.1/32", "::1/128"}})
	unlock := func(xff string) int {
		return do(t, s.url, request{method: "POST", path: "/v1/vault/unlock", header: map[string]string{"X-Forwarded-For": xff}}).StatusCode
	}
	if got := unlock("203.0.113.7"); got != http.StatusOK {
		t.Fatalf("first client: %d", got)
	}
	if got := unlock("203.0.113.7"); got != http.StatusTooManyRequests {
		t.Fatalf("first client again: %d, want 429", got)
	}
	if got := unlock("203.0.113.8"); got != http.StatusOK {
		t.Fatalf("second client behind the proxy shares the first one's bucket: %d", got)
	}
	// The client may prepend anything; the proxy appends the address it
	// saw, and that is the one used.
	if got := unlock("192.0.2.55, 203.0.113.7"); got != http.StatusTooManyRequests {
		t.Fatalf("client-forged leftmost X-Forwarded-For bought a fresh bucket: %d", got)
	}
}

func TestReplicasShareTheBudget(t *testing.T) {
	t.Parallel()
	rdb, prefix := newRedis(t)
	other := redis.NewClient(rdb.Options())
	t.Cleanup(func() { _ = other.Close() })
	a := newServer(t, serverOptions{rdb: rdb, prefix: prefix, limits: limits(6, 3)})
	b := newServer(t, serverOptions{rdb: other, prefix: prefix, limits: limits(6, 3)})
	replicas := []server{a, b}
	var codes []int
	for i := range 8 {
		codes = append(codes, do(t, replicas[i%2].url, request{method: "GET", path: "/v1/things"}).StatusCode)
	}
	want := []int{200, 200, 200, 200, 200, 200, 429, 429}
	if !equal(codes, want) {
		t.Fatalf("statuses across two replicas = %v, want %v", codes, want)
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRedisDownFailsOpenForOrdinaryRoutesAndClosedForRulesThatSaySo(t *testing.T) {
	t.Parallel()
	s := newServer(t, serverOptions{rdb: deadRedis(t), prefix: "unused:", limits: limits(1, 1)})

	start := time.Now()
	for i := range 5 {
		res := do(t, s.url, request{method: "GET", path: "/v1/things"})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("ordinary request %d with Redis down: %d, want 200 (fail open)", i, res.StatusCode)
		}
	}
	for _, path := range []string{"/v1/vault/unlock", "/v1/vault/enrol", "/v1/vault/v-1/reset"} {
		res := do(t, s.url, request{method: "POST", path: path})
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%s with Redis down: %d, want 503 (fail closed)", path, res.StatusCode)
		}
		if res.Header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", path)
		}
		if env := decode(t, res); env.Code != "unavailable" || strings.Contains(env.Message, "127.0.0.1") {
			t.Errorf("%s: envelope %+v", path, env)
		}
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("8 requests with Redis down took %s", elapsed)
	}
	if got := decisions(t, s, "default", "error"); got != 5 {
		t.Errorf("ratelimit_decisions_total{default,error} = %v, want 5", got)
	}
	if got := decisions(t, s, "unlock", "error"); got != 1 {
		t.Errorf("ratelimit_decisions_total{unlock,error} = %v, want 1", got)
	}
}

func TestProbesAreNotLimited(t *testing.T) {
	t.Parallel()
	rdb, prefix := newRedis(t)
	s := newServer(t, serverOptions{rdb: rdb, prefix: prefix, limits: limits(1, 1)})
	for range 3 {
		res := do(t, s.url, request{method: "GET", path: "/healthz"})
		if res.StatusCode != http.StatusOK || res.Header.Get("RateLimit") != "" {
			t.Fatalf("/healthz: %d %q", res.StatusCode, res.Header.Get("RateLimit"))
		}
	}
}

func TestNewHTTPRefusesBadRules(t *testing.T) {
	t.Parallel()
	l := ratelimit.New(deadRedis(t), ratelimit.Options{})
	def := limits(1, 1).def
	rule := func(path string, limit int) ratelimit.Rule {
		return ratelimit.Rule{Method: http.MethodPost, Path: path, Bucket: ratelimit.Bucket{Name: "strict", Limit: limit, Window: time.Minute}}
	}
	tests := []struct {
		name  string
		rules []ratelimit.Rule
		want  string
	}{
		{"two rules for one route", []ratelimit.Rule{rule("/v1/x/{id}", 1), rule("/v1/x/{id}", 2)}, "two rules for POST /v1/x/{id}"},
		{"a bucket that cannot work", []ratelimit.Rule{rule("/v1/x", 0)}, `rate limit "strict": limit must be at least 1`},
	}
	for _, tt := range tests {
		if _, err := ratelimit.NewHTTP(l, def, tt.rules, nil, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestClientKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"::ffff:203.0.113.7", "203.0.113.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"},
		{"not-an-ip", "not-an-ip"},
	}
	for _, tt := range tests {
		if got := ratelimit.ClientKey(tt.in); got != tt.want {
			t.Errorf("ClientKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// deadRedis returns a client pointed at a port nothing listens on: the
// machine's Redis is never stopped to test an outage.
func deadRedis(t *testing.T) *redis.Client {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}
