package faults

import (
	"net/http"
	"sort"
	"strconv"
	"testing"
	"time"
)

// scenario is one failure injected during load.
type scenario struct {
	name string
	// link picks the connection the fault is on.
	link func(*env) *link
	// inject and heal apply and remove the fault.
	inject, heal func(*link)
	// disrupt, instead of a link's toxic, starts a fault acting on the
	// server itself and returns what stops it.
	disrupt func(t *testing.T, e *env) (stop func())
	// workers is how many members load the server during the fault.
	workers int
	// dependency is the /readyz check the fault must turn "unavailable"
	// ("" when the fault may leave readiness untouched). Postgres makes
	// /readyz answer 503; Redis only "degraded" with 200.
	dependency string
	// during checks what clients saw during the fault beyond the common
	// rules (2xx, 503, 504 only, no hang).
	during func(t *testing.T, e *env, s stats, rs []result)
	// probe runs while the fault is still there, after the load.
	probe func(t *testing.T, e *env)
	// drains: the outbox backed up during the fault; measure how long it
	// takes to drain once healed.
	drains bool
}

const faultFor = 3 * time.Second

var scenarios = []scenario{
	{
		name: "postgres latency 20ms", link: pgLink, workers: 4,
		inject: func(l *link) { l.toxic("latency", "latency", "downstream", map[string]any{"latency": 20, "jitter": 5}) },
		heal:   func(l *link) { l.remove("latency") },
		during: mostlySucceed(0.8),
	},
	{
		name: "postgres black hole", link: pgLink, workers: 4, dependency: "postgres",
		inject: func(l *link) {
			l.toxic("hole-up", "timeout", "upstream", map[string]any{"timeout": 0})
			l.toxic("hole-down", "timeout", "downstream", map[string]any{"timeout": 0})
		},
		heal: func(l *link) { l.remove("hole-up"); l.remove("hole-down") },
	},
	{
		name: "postgres connection resets", link: pgLink, workers: 4, dependency: "postgres",
		inject: func(l *link) { l.toxic("reset", "reset_peer", "upstream", map[string]any{"timeout": 0}) },
		heal:   func(l *link) { l.remove("reset") },
		during: fastRefusals,
	},
	{
		name: "postgres cut", link: pgLink, workers: 4, dependency: "postgres",
		inject: (*link).cut, heal: (*link).restore,
		during: fastRefusals,
	},
	{
		name: "postgres terminates the connections (as on a restart)", workers: 4,
		disrupt: terminateBackends, during: mostlyAnswered,
	},
	{
		name: "postgres pool exhausted (latency 150ms, 24 clients)", link: pgLink, workers: 24,
		inject: func(l *link) { l.toxic("slow", "latency", "downstream", map[string]any{"latency": 150}) },
		heal:   func(l *link) { l.remove("slow") },
		during: poolRefusesFast,
	},
	{
		name: "redis cut", link: redisLink, workers: 4, dependency: "redis",
		inject: (*link).cut, heal: (*link).restore,
		during: redisDown, probe: redisProbe, drains: true,
	},
	{
		name: "redis latency 1s", link: redisLink, workers: 4, dependency: "redis",
		inject: func(l *link) { l.toxic("latency", "latency", "downstream", map[string]any{"latency": 1000}) },
		heal:   func(l *link) { l.remove("latency") },
		during: redisDown, probe: redisProbe, drains: true,
	},
}

func pgLink(e *env) *link    { return e.pg }
func redisLink(e *env) *link { return e.redis }

// TestFaults injects each scenario in turn into one running binary: it
// must ride every fault out and recover each time without a restart.
func TestFaults(t *testing.T) {
	e := newEnv(t, 4, 24)
	var report []string
	for _, sc := range scenarios {
		ok := t.Run(sc.name, func(t *testing.T) {
			report = append(report, runScenario(t, e, sc))
		})
		if !ok {
			break // the next scenario would start from a broken state
		}
	}
	checkConsistency(t, e)
	for _, line := range report {
		t.Log(line)
	}
}

func runScenario(t *testing.T, e *env, sc scenario) string {
	t.Helper()
	waitReady(t, e, 30*time.Second)
	goroutinesBefore := e.goroutines(t)
	base := e.workers
	e.workers = base[:sc.workers]
	defer func() { e.workers = base }()

	stopWatch := e.watchReadiness()
	var l *link
	var stopDisrupting func()
	if sc.disrupt != nil {
		stopDisrupting = sc.disrupt(t, e)
	} else {
		l = sc.link(e)
		sc.inject(l)
	}
	during := e.load(faultFor)
	if sc.probe != nil {
		sc.probe(t, e)
	}
	healedAt := time.Now()
	if stopDisrupting != nil {
		stopDisrupting()
	} else {
		sc.heal(l)
	}
	recovery := waitRecovered(t, e, healedAt, 30*time.Second)
	drained := ""
	if sc.drains {
		drained = "; outbox drained " + ms(waitDrained(t, e, healedAt, 30*time.Second)) + " after healing"
	}
	e.workers = base[:4]
	after := e.load(time.Second)
	watched := stopWatch()

	s := summarize(during)
	checkStatuses(t, "during the fault", during, true, sc.workers)
	checkStatuses(t, "after recovery", after, false, 20)
	checkReadiness(t, sc, watched, healedAt)
	if sc.during != nil {
		sc.during(t, e, s, during)
	}
	time.Sleep(500 * time.Millisecond) // let finished requests' goroutines exit
	if g := e.goroutines(t); g > goroutinesBefore+50 {
		t.Errorf("goroutines %d after recovery, %d before the fault: they pile up", g, goroutinesBefore)
	}
	return sc.name + ": " + s.String() + "; readiness " + transitions(watched) +
		"; recovered " + ms(recovery) + " after healing" + drained + "; after: " + summarize(after).String()
}

// checkStatuses: only 2xx, 503 and 504 (only 2xx once recovered), never
// a 500 or an unanswered request, and never slower than the request
// deadline allows.
func checkStatuses(t *testing.T, phase string, rs []result, faulty bool, atLeast int) {
	t.Helper()
	if len(rs) < atLeast {
		t.Errorf("%s: only %d requests", phase, len(rs))
	}
	bad := map[string]int{}
	for _, r := range rs {
		ok := r.status >= 200 && r.status < 300
		if faulty {
			ok = ok || r.status == http.StatusServiceUnavailable || r.status == http.StatusGatewayTimeout
		}
		if !ok {
			bad[r.op+" "+http.StatusText(r.status)+" "+r.err]++
		}
		if r.latency > requestTimeout+1500*time.Millisecond {
			bad[r.op+" slower than the deadline"]++
		}
	}
	if len(bad) > 0 {
		t.Errorf("%s: unexpected answers: %v", phase, bad)
	}
}

func mostlySucceed(share float64) func(*testing.T, *env, stats, []result) {
	return func(t *testing.T, _ *env, s stats, _ []result) {
		t.Helper()
		ok := 0
		for code, n := range s.byStatus {
			if code >= 200 && code < 300 {
				ok += n
			}
		}
		if float64(ok) < share*float64(s.n) {
			t.Errorf("only %d of %d requests succeeded under a slow database", ok, s.n)
		}
	}
}

// fastRefusals: with Postgres gone, requests are refused quickly (503)
// rather than waiting for their deadline.
func fastRefusals(t *testing.T, _ *env, s stats, _ []result) {
	t.Helper()
	if s.byStatus[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no 503 with Postgres gone: %s", s)
	}
	if s.p50 > time.Second {
		t.Errorf("median answer %s with Postgres gone: refusals should be fast", ms(s.p50))
	}
}

// poolRefusesFast: when every connection is busy, the extra requests get
// 503 after the acquire timeout (once per statement or transaction that
// waits), well before their deadline, instead of queueing until it.
func poolRefusesFast(t *testing.T, _ *env, s stats, rs []result) {
	t.Helper()
	if s.byStatus[http.StatusServiceUnavailable] == 0 {
		t.Errorf("pool of 8 under 24 clients and a slow database: no 503: %s", s)
	}
	var refusals []time.Duration
	late := 0
	for _, r := range rs {
		if r.status == http.StatusServiceUnavailable {
			refusals = append(refusals, r.latency)
			if r.latency >= requestTimeout {
				late++ // it got a connection, then lost it at the deadline
			}
		}
	}
	if med := median(refusals); med > 3*acquireTimeout {
		t.Errorf("median 503 after %s; the acquire timeout is %s", ms(med), acquireTimeout)
	}
	if late*4 > len(refusals) {
		t.Errorf("%d of %d 503s came at the deadline: requests queue for the pool", late, len(refusals))
	}
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// redisDown: the cache and the limiter step aside, writes go on (2xx),
// login is refused (the sensitive limiter fails closed).
func redisDown(t *testing.T, e *env, s stats, rs []result) {
	t.Helper()
	creates, ok := 0, 0
	for _, r := range rs {
		if r.op != "create" {
			continue
		}
		creates++
		if r.status == http.StatusCreated {
			ok++
		}
	}
	if creates == 0 || ok < creates*9/10 {
		t.Errorf("with Redis down only %d of %d creates succeeded: %s", ok, creates, s)
	}
}

// redisProbe checks, with Redis still down, that login fails closed and
// that the outbox is backing up (the relay cannot publish).
func redisProbe(t *testing.T, e *env) {
	t.Helper()
	loginFailsClosed(t, e)
	if n := e.unpublished(t); n == 0 {
		t.Errorf("no unpublished outbox row with Redis down: the writes did not go through the outbox")
	}
}

// loginFailsClosed: with Redis unreachable, the strict login bucket cannot
// be checked, so login is refused (503 with Retry-After) rather than left
// open to brute force.
func loginFailsClosed(t *testing.T, e *env) {
	t.Helper()
	login := e.post(t, "/v1/auth/login", map[string]any{"email": e.memberEmails[0], "password": password})
	if login.status != http.StatusServiceUnavailable {
		t.Errorf("login with Redis down: %d, want 503 (its rate limit fails closed): %.200s", login.status, login.body)
	}
}

func waitReady(t *testing.T, e *env, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if r := e.ready(); r.status == http.StatusOK && r.state == "ready" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("not ready within %s", within)
}

// waitRecovered measures the time from healing until /readyz is "ready"
// and a create succeeds again.
func waitRecovered(t *testing.T, e *env, healedAt time.Time, within time.Duration) time.Duration {
	t.Helper()
	w := e.workers[0]
	for time.Since(healedAt) < within {
		if r := e.ready(); r.status == http.StatusOK && r.state == "ready" {
			if res := w.create(false); res.status == http.StatusCreated {
				return time.Since(healedAt)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("not recovered %s after healing", within)
	return 0
}

// waitDrained measures the time from healing until no outbox row is left
// unpublished.
func waitDrained(t *testing.T, e *env, healedAt time.Time, within time.Duration) time.Duration {
	t.Helper()
	for time.Since(healedAt) < within {
		if e.unpublished(t) == 0 {
			return time.Since(healedAt)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("outbox not drained %s after healing", within)
	return within
}

// checkReadiness: a Postgres fault turns /readyz 503 naming postgres; a
// Redis fault leaves it 200 "degraded" naming redis, never 503.
func checkReadiness(t *testing.T, sc scenario, seen []readiness, healedAt time.Time) {
	t.Helper()
	flagged := false
	for _, r := range seen {
		if r.status == 0 {
			t.Errorf("/readyz did not answer at %s", r.at.Format(time.StampMilli))
			continue
		}
		if r.at.After(healedAt) {
			continue
		}
		switch sc.dependency {
		case "postgres":
			if r.status == http.StatusServiceUnavailable && r.postgres == "unavailable" {
				flagged = true
			}
		case "redis":
			if r.status != http.StatusOK {
				t.Errorf("/readyz %d with only Redis down: must stay 200", r.status)
			}
			if r.state == "degraded" && r.redis == "unavailable" {
				flagged = true
			}
		}
	}
	if sc.dependency != "" && !flagged {
		t.Errorf("/readyz never reported %s unavailable: %s", sc.dependency, transitions(seen))
	}
}

// transitions renders the changes of /readyz, e.g. "200 ready -> 503
// unavailable (+1.2s) -> 200 ready (+4.1s)".
func transitions(seen []readiness) string {
	if len(seen) == 0 {
		return "-"
	}
	out := ""
	last := ""
	for _, r := range seen {
		cur := "no answer"
		if r.status != 0 {
			cur = strconv.Itoa(r.status) + " " + r.state
		}
		if cur == last {
			continue
		}
		if out != "" {
			out += " -> "
		}
		out += cur + " (+" + ms(r.at.Sub(seen[0].at)) + ")"
		last = cur
	}
	return out
}

// terminateBackends makes Postgres end the binary's sessions every 100ms
// (pg_terminate_backend, SQLSTATE 57P01, what a restart or failover does
// to every connection), on the test's own database only.
func terminateBackends(t *testing.T, e *env) (stop func()) {
	t.Helper()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			_, _ = e.db.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE datname = current_database() AND ` + requestPools + ` AND pid <> pg_backend_pid()`)
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return func() { close(done); <-finished }
}

// mostlyAnswered: sessions killed under the requests cost some of them a
// 503, but the pool reconnects at once and most requests still succeed.
func mostlyAnswered(t *testing.T, _ *env, s stats, _ []result) {
	t.Helper()
	ok := 0
	for code, n := range s.byStatus {
		if code >= 200 && code < 300 {
			ok += n
		}
	}
	if ok == 0 {
		t.Errorf("no request succeeded while sessions were being terminated: %s", s)
	}
}
