package faults

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestPostgresBlackHole: with Postgres black-holed (the link keeps its
// sockets open and forwards nothing), concurrent creates and reads each
// answer 503 or 504, never 500, by the request deadline. The deadline here
// (6s) outlasts huma's 5s deadline for reading a body, which used to
// cancel creates with "context canceled" and answer 500; the database
// timeouts are the defaults.
func TestPostgresBlackHole(t *testing.T) {
	const deadline = 6 * time.Second
	e := newEnv(t, 2, 10, "HTTP_REQUEST_TIMEOUT="+deadline.String(),
		"DATABASE_STATEMENT_TIMEOUT=5s", "DATABASE_ACQUIRE_TIMEOUT=2s", "DATABASE_CONNECT_TIMEOUT=3s")
	waitReady(t, e, 30*time.Second)
	e.load(time.Second) // the pool opens its connections

	e.pg.toxic("hole-up", "timeout", "upstream", map[string]any{"timeout": 0})
	e.pg.toxic("hole-down", "timeout", "downstream", map[string]any{"timeout": 0})
	var mu sync.Mutex
	var rs []result
	var wg sync.WaitGroup
	for i, w := range e.workers {
		wg.Go(func() {
			var r result
			switch {
			case i == 0:
				r = w.call("list", http.MethodGet, "/v1/activities?limit=10", nil, nil)
			case i == 1 && len(w.created) > 0:
				r = w.call("get", http.MethodGet, "/v1/activities/"+w.created[0], nil, nil)
			default:
				r = w.create(i%2 == 0)
			}
			mu.Lock()
			rs = append(rs, r)
			mu.Unlock()
		})
	}
	readiness := e.ready()
	wg.Wait()
	healedAt := time.Now()
	e.pg.remove("hole-up")
	e.pg.remove("hole-down")
	recovery := waitRecovered(t, e, healedAt, 30*time.Second)

	lateCreates := 0
	for _, r := range rs {
		switch r.status {
		case http.StatusGatewayTimeout:
			if r.op == "create" && r.latency >= 5*time.Second {
				lateCreates++
			}
		case http.StatusServiceUnavailable:
			if r.latency >= deadline {
				t.Errorf("%s: 503 after %s, past the deadline", r.op, ms(r.latency))
			}
		default:
			t.Errorf("%s: %d %s after %s, want 503 or 504", r.op, r.status, r.err, ms(r.latency))
		}
		if r.latency > deadline+time.Second {
			t.Errorf("%s answered after %s, the deadline is %s", r.op, ms(r.latency), deadline)
		}
	}
	if lateCreates == 0 {
		t.Errorf("no create waited past 5s (all refused early?): the case is not exercised: %s", summarize(rs))
	}
	if readiness.status != http.StatusServiceUnavailable || readiness.postgres != "unavailable" {
		t.Errorf("/readyz during the black hole: %d postgres=%q", readiness.status, readiness.postgres)
	}
	t.Logf("postgres black hole (deadline %s, defaults for the database): %s; recovered %s after healing", deadline, summarize(rs), ms(recovery))
}

// TestClientHangUp: a client that closes its connection while its create
// runs (Postgres slowed to 100ms a round trip) is logged with status 499
// at info level and counted under status="499", no 5xx; its unit of work,
// which had begun, commits; and no pooled connection is closed for it.
func TestClientHangUp(t *testing.T) {
	e := newEnv(t, 1, 1, "LOG_LEVEL=info")
	waitReady(t, e, 30*time.Second)
	w := e.workers[0]
	for range 3 { // statements prepared, connections open
		if r := w.create(true); r.status != http.StatusCreated {
			t.Fatalf("warm-up create: %d %s", r.status, r.err)
		}
	}
	pidsBefore := e.backendPIDs(t)
	openBefore := e.metric(t, "go_sql_open_connections")

	e.pg.toxic("slow", "latency", "downstream", map[string]any{"latency": 100})
	rid := "hangup-" + uuid.NewString()
	title := "hung up " + uuid.NewString()[:8]
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"title":%q}`, title)
	fmt.Fprintf(conn, "POST /v1/activities HTTP/1.1\r\nHost: zebra\r\nAuthorization: Bearer %s\r\nX-Request-Id: %s\r\n"+
		"Idempotency-Key: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		w.token, rid, uuid.NewString(), len(body), body)
	e.waitForInsert(t, 5*time.Second)
	_ = conn.Close() // mid-transaction: the insert ran, the commit has not

	line := e.waitForLogLine(t, rid, 10*time.Second)
	e.pg.remove("slow")
	for _, want := range []string{`"level":"info"`, `"status":499`, `"reason":"client closed request"`} {
		if !strings.Contains(line, want) {
			t.Errorf("access log line lacks %s: %s", want, line)
		}
	}
	for _, l := range strings.Split(e.srv.Logs(), "\n") {
		if strings.Contains(l, rid) && strings.Contains(l, `"level":"error"`) {
			t.Errorf("logged at error level: %s", l)
		}
	}

	metrics := e.scrape(t)
	if m := regexp.MustCompile(`(?m)^http_requests_total\{[^}]*status="5\d\d"[^}]*\} .*$`).FindAllString(metrics, -1); len(m) > 0 {
		t.Errorf("5xx counted: %v", m)
	}
	if !regexp.MustCompile(`(?m)^http_requests_total\{method="POST",route="/v1/activities",status="499"\} 1$`).MatchString(metrics) {
		t.Errorf("the hang-up is not counted under status 499:\n%s", grepLines(metrics, "http_requests_total"))
	}

	var stored int
	if err := e.db.QueryRow(`SELECT count(*) FROM activities.activities WHERE title = $1`, title).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != 1 {
		t.Errorf("the create whose client hung up mid-transaction is stored %d times, want 1 (it had begun: it finishes)", stored)
	}
	pidsAfter := e.backendPIDs(t)
	for _, pid := range pidsBefore {
		if !slices.Contains(pidsAfter, pid) {
			t.Errorf("pooled connection (backend %d) closed: before %v, after %v", pid, pidsBefore, pidsAfter)
		}
	}
	if openAfter := e.metric(t, "go_sql_open_connections"); openAfter < openBefore {
		t.Errorf("go_sql_open_connections %v after the hang-up, %v before", openAfter, openBefore)
	}
	t.Logf("client hang-up: %s; backends before %v, after %v; open connections %v -> %v",
		line, pidsBefore, pidsAfter, openBefore, e.metric(t, "go_sql_open_connections"))
}

// requestPools selects, in pg_stat_activity, the sessions of the binary's
// request pools: the platform's (application_name zebra) and each module's
// (zebra-<module>), not its readiness probe's (zebra-probe).
const requestPools = `(application_name = 'zebra' OR application_name LIKE 'zebra-%') AND application_name <> 'zebra-probe'`

// backendPIDs lists the server processes of the binary's pooled
// connections.
func (e *env) backendPIDs(t *testing.T) []int {
	t.Helper()
	rows, err := e.db.Query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND ` + requestPools + ` ORDER BY pid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var pids []int
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(pids) == 0 {
		t.Fatal("the binary has no connection to its database")
	}
	return pids
}

// waitForInsert waits until one of the binary's transactions has inserted
// an activity and not yet committed.
func (e *env) waitForInsert(t *testing.T, within time.Duration) {
	t.Helper()
	for start := time.Now(); time.Since(start) < within; time.Sleep(5 * time.Millisecond) {
		var n int
		if err := e.db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND ` + requestPools + ` AND xact_start IS NOT NULL AND query ILIKE 'INSERT INTO "activities"%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
	}
	t.Fatalf("no activity insert in a transaction within %s", within)
}

// waitForLogLine returns the access-log line of the request rid.
func (e *env) waitForLogLine(t *testing.T, rid string, within time.Duration) string {
	t.Helper()
	for start := time.Now(); time.Since(start) < within; time.Sleep(20 * time.Millisecond) {
		for _, l := range strings.Split(e.srv.Logs(), "\n") {
			if strings.Contains(l, `"msg":"request"`) && strings.Contains(l, `"requestId":"`+rid+`"`) {
				return l
			}
		}
	}
	t.Fatalf("no access log line for %s within %s", rid, within)
	return ""
}

// scrape returns the text of /metrics.
func (e *env) scrape(t *testing.T) string {
	t.Helper()
	resp, err := httpClient.Get(e.base + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// metric is the value of the series name (the first, if labels tell
// several apart).
func (e *env) metric(t *testing.T, name string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `(?:\{[^}]*\})? (\S+)$`).FindStringSubmatch(e.scrape(t))
	if m == nil {
		t.Fatalf("no %s in /metrics", name)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func grepLines(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
