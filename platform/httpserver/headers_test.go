package httpserver_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/httpserver"
)

func TestRequestID(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name    string
		inbound string
		kept    bool
	}{
		{"valid id is kept", "abc-123_X.y", true},
		{"128 characters are kept", strings.Repeat("a", 128), true},
		{"129 characters are replaced", strings.Repeat("a", 129), false},
		{"spaces are replaced", "abc 123", false},
		{"slashes are replaced", "../etc", false},
		{"missing gets one", "", false},
	}
	valid := regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, path := range []string{"/test/items/1", "/nope"} {
				res := h.send(t, "GET", path, "", "X-Request-Id", tt.inbound)
				got := res.header.Get("X-Request-Id")
				if tt.kept && got != tt.inbound {
					t.Errorf("%s: X-Request-Id = %q, want %q kept", path, got, tt.inbound)
				}
				if !tt.kept && (got == tt.inbound || !valid.MatchString(got)) {
					t.Errorf("%s: X-Request-Id = %q, want a fresh valid id", path, got)
				}
				if res.status == 404 && res.envelope(t).RequestID != got {
					t.Errorf("body requestId differs from header %q", got)
				}
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name    string
		method  string
		path    string
		headers []string
		status  int
		noStore bool
	}{
		{"anonymous success", "GET", "/test/items/1", nil, 200, false},
		{"error", "GET", "/nope", nil, 404, true},
		{"authenticated success", "GET", "/test/me", []string{"Authorization", "Bearer " + goodToken}, 200, true},
		{"authenticated no content", "DELETE", "/test/items/1", []string{"Authorization", "Bearer " + goodToken}, 204, true},
		{"docs page", "GET", "/docs", nil, 200, false},
		{"openapi", "GET", "/openapi.json", nil, 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := h.send(t, tt.method, tt.path, "", tt.headers...)
			if res.status != tt.status {
				t.Fatalf("status = %d, want %d: %s", res.status, tt.status, res.body)
			}
			if got := res.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
			if got := res.header.Get("Cache-Control") == "no-store"; got != tt.noStore {
				t.Errorf("Cache-Control = %q, want no-store: %v", res.header.Get("Cache-Control"), tt.noStore)
			}
			for _, banner := range []string{"Server", "X-Powered-By"} {
				if v := res.header.Get(banner); v != "" {
					t.Errorf("%s = %q", banner, v)
				}
			}
			if res.header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
		})
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const allowed, other = "https://app.example.com", "https://evil.example.net"
	t.Run("listed origin", func(t *testing.T) {
		t.Parallel()
		res := h.send(t, "GET", "/test/items/1", "", "Origin", allowed)
		if res.status != 200 || res.header.Get("Access-Control-Allow-Origin") != allowed {
			t.Fatalf("status %d ACAO %q", res.status, res.header.Get("Access-Control-Allow-Origin"))
		}
		if !strings.Contains(strings.Join(res.header.Values("Vary"), ","), "Origin") {
			t.Errorf("Vary = %q", res.header.Values("Vary"))
		}
		if !strings.Contains(res.header.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
			t.Errorf("X-Request-Id is not exposed: %q", res.header.Get("Access-Control-Expose-Headers"))
		}
	})
	t.Run("listed origin preflight", func(t *testing.T) {
		t.Parallel()
		res := h.send(t, "OPTIONS", "/test/items", "", "Origin", allowed,
			"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type")
		if res.status != 204 {
			t.Fatalf("status = %d: %s", res.status, res.body)
		}
		if res.header.Get("Access-Control-Allow-Origin") != allowed ||
			!strings.Contains(res.header.Get("Access-Control-Allow-Methods"), "POST") ||
			!strings.Contains(strings.ToLower(res.header.Get("Access-Control-Allow-Headers")), "authorization") {
			t.Fatalf("preflight headers: %v", res.header)
		}
	})
	for _, tt := range []struct {
		name    string
		method  string
		headers []string
	}{
		{"other origin", "GET", []string{"Origin", other}},
		{"other origin preflight", "OPTIONS", []string{"Origin", other, "Access-Control-Request-Method", "GET"}},
		{"origin prefix trick", "GET", []string{"Origin", allowed + ".evil.net"}},
		{"null origin", "GET", []string{"Origin", "null"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := h.send(t, tt.method, "/test/items/1", "", tt.headers...)
			for k := range res.header {
				if strings.HasPrefix(k, "Access-Control-Allow-") {
					t.Errorf("%s: %s = %q", tt.name, k, res.header.Get(k))
				}
			}
			if tt.method == "GET" && res.status != 200 {
				t.Errorf("the request must proceed normally, got %d", res.status)
			}
			if tt.method == "OPTIONS" && res.status < 400 {
				t.Errorf("a disallowed preflight is not answered by CORS, got %d", res.status)
			}
		})
	}
}

// A wildcard configuration (refused in prod) never pairs "*" with
// credentials.
func TestCORSWildcardHasNoCredentials(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *config.HTTP) { c.CORSOrigins = []string{"*"} })
	res := h.send(t, "GET", "/test/items/1", "", "Origin", "https://any.example.org")
	if res.status != 200 || res.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("status %d ACAO %q", res.status, res.header.Get("Access-Control-Allow-Origin"))
	}
	if got := res.header.Get("Access-Control-Allow-Credentials"); got != "" {
		t.Fatalf("Access-Control-Allow-Credentials = %q with a wildcard origin", got)
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name          string
		authorization string
		status        int
		challenge     string
	}{
		{"no token", "", 401, "Bearer"},
		{"good token", "Bearer " + goodToken, 200, ""},
		{"scheme is case-insensitive", "bearer " + goodToken, 200, ""},
		{"rejected token", "Bearer forged", 401, `Bearer error="invalid_token"`},
		{"basic credentials", "Basic dXNlcjpwYXNz", 401, `Bearer error="invalid_token"`},
		{"bearer without token", "Bearer ", 401, `Bearer error="invalid_token"`},
		{"token without scheme", goodToken, 401, `Bearer error="invalid_token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := h.send(t, "GET", "/test/me", "", "Authorization", tt.authorization)
			if res.status != tt.status {
				t.Fatalf("status = %d, want %d: %s", res.status, tt.status, res.body)
			}
			if got := res.header.Get("WWW-Authenticate"); got != tt.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.challenge)
			}
			if tt.status == 401 && res.envelope(t).Code != "unauthorized" {
				t.Errorf("code = %q", res.envelope(t).Code)
			}
			if tt.status == 200 && !strings.Contains(string(res.body), testUser.String()) {
				t.Errorf("principal not in context: %s", res.body)
			}
		})
	}
}

func TestBadTokenIsRejectedEvenOnAnonymousRoutes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	res := h.send(t, "GET", "/test/items/1", "", "Authorization", "Bearer forged")
	if res.status != 401 || res.header.Get("WWW-Authenticate") != `Bearer error="invalid_token"` {
		t.Fatalf("status %d WWW-Authenticate %q", res.status, res.header.Get("WWW-Authenticate"))
	}
}

func TestForbiddenIsNot401(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	res := h.send(t, "DELETE", "/test/items/1", "")
	if res.status != 401 || res.header.Get("WWW-Authenticate") != "Bearer" {
		t.Fatalf("anonymous delete: %d %q", res.status, res.header.Get("WWW-Authenticate"))
	}
}

func TestRateLimitHookRunsAfterAuthentication(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	res := h.send(t, "GET", "/test/items/1", "", "Authorization", "Bearer "+goodToken, "X-Test-Limit", "over")
	if res.status != 429 || res.header.Get("Retry-After") != "17" || res.header.Get("RateLimit-Policy") == "" {
		t.Fatalf("status %d headers %v", res.status, res.header)
	}
	if user := <-h.limiter.seen; user != testUser.String() {
		t.Fatalf("limiter saw %q, want the authenticated user", user)
	}
}

// TestClientIPTrustsOnlyConfiguredProxies: X-Forwarded-For is believed
// only from TRUSTED_PROXIES, since the rate limiter keys on the client IP.
func TestClientIPTrustsOnlyConfiguredProxies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		proxies []string
		want    string
	}{
		{"no trusted proxy", nil, "127.0.0.1"},
		{"loopback is a trusted proxy", []string{"127.0.0.1/32"}, "203.0.113.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(c *config.HTTP) { c.TrustedProxies = tt.proxies })
			h.send(t, "GET", "/test/items/1", "", "X-Forwarded-For", "203.0.113.7", "X-Request-Id", "ip-1")
			lines := h.logs.FilterMessage("request").AllUntimed()
			if len(lines) != 1 || lines[0].ContextMap()["clientIp"] != tt.want {
				t.Fatalf("clientIp = %v, want %s", lines[0].ContextMap()["clientIp"], tt.want)
			}
		})
	}
}

func TestInvalidTrustedProxiesAreAConfigError(t *testing.T) {
	t.Parallel()
	cfg := testHTTPConfig()
	cfg.TrustedProxies = []string{"not-an-ip"}
	_, err := httpserver.NewEngine(httpserver.EngineOptions{HTTP: cfg})
	if err == nil || !strings.Contains(err.Error(), "TRUSTED_PROXIES") {
		t.Fatalf("err = %v", err)
	}
}
