package faults

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/redistest"
	"github.com/zebralabs/zebra/test/internal/zebratest"
)

// Timeouts the binary runs with: short, so that every fault resolves
// within a few seconds.
const (
	requestTimeout = 2 * time.Second
	acquireTimeout = 500 * time.Millisecond
)

const password = "correct horse battery staple"

// env is the binary behind its two Toxiproxy links, its database reached
// directly, and the members the load acts as.
type env struct {
	srv          *zebratest.Server
	base         string
	pg, redis    *link
	db           *sql.DB
	workers      []*worker
	memberEmails []string
}

// newEnv starts the binary behind its links with members signed up and
// logged in, and workers load goroutines acting as them in turn. extra
// environment variables win over the defaults.
func newEnv(t *testing.T, members, workers int, extra ...string) *env {
	t.Helper()
	e := &env{
		pg:    newLink(t, "postgres", zebratest.TargetOf(dbtest.ServerURL())),
		redis: newLink(t, "redis", zebratest.TargetOf(redistest.URL())),
	}
	e.srv = zebratest.Start(t,
		zebratest.WithDatabaseVia(e.pg.Addr()),
		zebratest.WithRedisVia(e.redis.Addr()),
		zebratest.WithEnv(
			"LOG_LEVEL=warn",
			"HTTP_REQUEST_TIMEOUT="+requestTimeout.String(),
			"DATABASE_STATEMENT_TIMEOUT=1500ms",
			"DATABASE_ACQUIRE_TIMEOUT="+acquireTimeout.String(),
			"DATABASE_CONNECT_TIMEOUT=1s",
			"REDIS_DIAL_TIMEOUT=300ms", "REDIS_READ_TIMEOUT=300ms", "REDIS_WRITE_TIMEOUT=300ms",
			"HEALTH_CHECK_TIMEOUT=500ms",
			"OUTBOX_POLL_INTERVAL=200ms",
			"RATE_LIMIT_DEFAULT=1000000", "RATE_LIMIT_AUTH=1000000",
			// argon2 at its defaults would make the few logins the test
			// needs the slowest part of it.
			"ARGON2_MEMORY_KIB=8192", "ARGON2_ITERATIONS=1",
		), zebratest.WithEnv(extra...))
	e.base = e.srv.URL("")
	db, err := sql.Open("pgx", e.srv.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	e.db = db
	var tokens []string
	for i := range members {
		email := fmt.Sprintf("load-%d@faults.test", i)
		e.memberEmails = append(e.memberEmails, email)
		expectStatus(t, e.post(t, "/v1/auth/signup", map[string]any{"email": email, "password": password}), http.StatusCreated)
		r := expectStatus(t, e.post(t, "/v1/auth/login", map[string]any{"email": email, "password": password}), http.StatusOK)
		var tok struct{ AccessToken string }
		if err := json.Unmarshal(r.body, &tok); err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok.AccessToken)
	}
	for i := range workers {
		e.workers = append(e.workers, &worker{base: e.base, token: tokens[i%len(tokens)], name: "w" + strconv.Itoa(i)})
	}
	return e
}

type answer struct {
	status int
	body   []byte
}

func (e *env) post(t *testing.T, path string, body any) answer {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := httpClient.Post(e.base+path, "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: rb}
}

func expectStatus(t *testing.T, a answer, status int) answer {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
	return a
}

// load runs every worker for d and returns what they saw.
func (e *env) load(d time.Duration) []result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	rec := &recorder{}
	var wg sync.WaitGroup
	for _, w := range e.workers {
		wg.Go(func() { w.run(ctx, rec) })
	}
	wg.Wait()
	return rec.all()
}

// readiness is one GET /readyz.
type readiness struct {
	at       time.Time
	status   int
	state    string // ready, degraded, unavailable...
	postgres string
	redis    string
}

func (e *env) ready() readiness {
	r := readiness{at: time.Now()}
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(e.base + "/readyz")
	if err != nil {
		return r
	}
	defer resp.Body.Close()
	var body struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	r.status, r.state, r.postgres, r.redis = resp.StatusCode, body.Status, body.Checks["postgres"], body.Checks["redis"]
	return r
}

// watchReadiness polls /readyz every 100ms until stop is called.
func (e *env) watchReadiness() (stop func() []readiness) {
	var mu sync.Mutex
	var seen []readiness
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			r := e.ready()
			mu.Lock()
			seen = append(seen, r)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return func() []readiness {
		close(done)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return seen
	}
}

// goroutines reads go_goroutines from /metrics.
func (e *env) goroutines(t *testing.T) int {
	t.Helper()
	return int(e.metric(t, "go_goroutines"))
}

// unpublished counts the outbox rows the relay has not published yet.
func (e *env) unpublished(t *testing.T) int {
	t.Helper()
	var n int
	if err := e.db.QueryRow(`SELECT count(*) FROM platform.outbox WHERE published_at IS NULL AND dead_at IS NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
