package faults

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/zebralabs/zebra/test/internal/zebratest"
)

// TestRateLimitIsSharedByReplicas runs two zebra processes on one Redis
// keyspace, as two replicas behind a load balancer, and alternates
// requests between them: the login bucket (per client IP) and the default
// bucket are spent once across both, and the refusal is a 429 envelope
// with Retry-After and the RateLimit header fields.
func TestRateLimitIsSharedByReplicas(t *testing.T) {
	limits := []string{"LOG_LEVEL=warn", "RATE_LIMIT_AUTH=4", "RATE_LIMIT_AUTH_WINDOW=1m",
		"RATE_LIMIT_DEFAULT=6", "RATE_LIMIT_DEFAULT_WINDOW=1m"}
	a := zebratest.Start(t, zebratest.WithEnv(limits...))
	b := zebratest.Start(t, zebratest.WithEnv(append(limits, "REDIS_PREFIX="+a.RedisPrefix)...))
	replicas := []*zebratest.Server{a, b}

	tests := []struct {
		name, method, path, body string
		allowed                  int
		status                   int // of an allowed request
		policy                   string
	}{
		{"login", "POST", "/v1/auth/login", `{"email":"nobody-%d@example.com","password":"wrong password here"}`, 4, http.StatusUnauthorized, `"login";q=4;w=60`},
		{"default", "GET", "/v1/me", "", 6, http.StatusUnauthorized, `"default";q=6;w=60`},
	}
	for _, tt := range tests {
		for i := range tt.allowed + 2 {
			srv := replicas[i%2]
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(fmt.Sprintf(tt.body, i))
			}
			req, _ := http.NewRequest(tt.method, srv.URL(tt.path), body)
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			res, err := httpClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			if got := res.Header.Get("RateLimit-Policy"); got != tt.policy {
				t.Errorf("%s #%d: RateLimit-Policy %q, want %q", tt.name, i, got, tt.policy)
			}
			if i < tt.allowed {
				if res.StatusCode != tt.status {
					t.Fatalf("%s #%d on replica %d: %d, want %d: %s", tt.name, i, i%2, res.StatusCode, tt.status, b)
				}
				continue
			}
			var env struct {
				Code      string `json:"code"`
				RequestID string `json:"requestId"`
			}
			_ = json.Unmarshal(b, &env)
			if res.StatusCode != http.StatusTooManyRequests || env.Code != "rate_limited" || env.RequestID == "" {
				t.Fatalf("%s #%d on replica %d: %d %s, want 429 rate_limited: the replicas do not share the bucket", tt.name, i, i%2, res.StatusCode, b)
			}
			if res.Header.Get("Retry-After") == "" || !strings.Contains(res.Header.Get("RateLimit"), ";r=0;") {
				t.Errorf("%s #%d: Retry-After %q, RateLimit %q", tt.name, i, res.Header.Get("Retry-After"), res.Header.Get("RateLimit"))
			}
		}
	}
}
