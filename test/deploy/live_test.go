package deploy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/redistest"
)

// liveVersion is stamped into the test binary with the Dockerfile's flags.
const liveVersion = "deploytest-1.2.3"

// probeClient bounds every probe and scrape: a server that accepts and
// never answers must fail the test, not hang it.
var probeClient = &http.Client{Timeout: 10 * time.Second}

// liveStack is the real binary serving on a free port, against a fresh
// database and a fresh Redis key prefix.
type liveStack struct {
	bin, base, dbURL string
	env              []string
	logs             *bytes.Buffer
}

// TestLive runs the checks that need the real binary: the version stamp
// of the Dockerfile's -ldflags, every metric the dashboards and alerts read
// present on /metrics, and the cutover runbook's dump/restore/verify on the
// database the binary filled.
func TestLive(t *testing.T) {
	s := startLive(t)
	t.Run("VersionStamped", func(t *testing.T) {
		out, err := s.run("version")
		if err != nil || !strings.Contains(out, liveVersion) {
			t.Errorf("`zebra version` = %q (%v), want it to print %s stamped by -ldflags -X main.version", out, err, liveVersion)
		}
	})
	t.Run("MetricsExported", func(t *testing.T) { testMetricsExported(t, s) })
	t.Run("RunbookVerifyAndRestore", func(t *testing.T) { testRunbookVerify(t, s) })
}

func startLive(t *testing.T) *liveStack {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "zebra")
	// The Dockerfile's build flags (TestDockerfileBuilderStage pins them).
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version="+liveVersion, "-o", bin, "./app")
	build.Dir = repoRoot(t)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./app: %v\n%s", err, out)
	}

	rcfg := redistest.Config(t)
	s := &liveStack{bin: bin, dbURL: dbtest.EmptyURL(t), logs: &bytes.Buffer{}}
	port := freePort(t)
	s.base = fmt.Sprintf("http://127.0.0.1:%d", port)
	s.env = append(os.Environ(),
		"APP_ENV=dev",
		"XDG_CACHE_HOME="+t.TempDir(), // the development signing key, kept out of the user's cache
		"LOG_LEVEL=warn",
		"DATABASE_URL="+s.dbURL,
		"DATABASE_CREATE=false",
		"REDIS_URL="+redistest.URL(),
		"REDIS_PREFIX="+rcfg.Prefix,
		fmt.Sprintf("HTTP_ADDR=127.0.0.1:%d", port),
		"METRICS_ADDR=",
		"SHUTDOWN_TIMEOUT=5s",
		"OTEL_EXPORTER_OTLP_ENDPOINT=",
	)

	t.Log("binary built; applying the schema")
	if out, err := s.run("schema", "apply"); err != nil {
		t.Fatalf("zebra schema apply: %v\n%s", err, out)
	}

	cmd := exec.Command(bin, "serve")
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = s.logs, s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Logf("zebra serve started on %s", s.base)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("zebra serve output:\n%s", tail(s.logs.String(), 60))
		}
	})

	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := probeClient.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("zebra serve exited before becoming ready: %v\n%s", err, tail(s.logs.String(), 60))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("zebra serve not ready after 60s\n%s", tail(s.logs.String(), 60))
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.traffic(t)
	return s
}

func (s *liveStack) run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Env = s.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// traffic exercises the families that appear only with use: HTTP metrics,
// rate-limit decisions, the activities cache (a miss, then a hit), the
// outbox (every write publishes an event) and the stream consumers. The
// answers are logged, not asserted: other suites own the API's behaviour.
func (s *liveStack) traffic(t *testing.T) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	call := func(method, path, token string, body any) (int, map[string]any) {
		var r io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, s.base+path, r)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Logf("%s %s: %v", method, path, err)
			return 0, nil
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	call("GET", "/healthz", "", nil)
	call("GET", "/readyz", "", nil)
	call("GET", "/no-such-route", "", nil)
	email := fmt.Sprintf("deploy-%d@example.com", time.Now().UnixNano())
	password := "correct horse battery staple"
	st, _ := call("POST", "/v1/auth/signup", "", map[string]any{"email": email, "password": password, "displayName": "Deploy Test"})
	t.Logf("signup: %d", st)
	st, login := call("POST", "/v1/auth/login", "", map[string]any{"email": email, "password": password})
	token, _ := login["accessToken"].(string)
	t.Logf("login: %d (token: %t)", st, token != "")
	st, created := call("POST", "/v1/activities", token, map[string]any{"title": "deploy check", "description": "metrics traffic"})
	id, _ := created["id"].(string)
	t.Logf("create activity: %d", st)
	if id != "" {
		call("GET", "/v1/activities/"+id, token, nil)
		call("GET", "/v1/activities/"+id, token, nil)
	}
	call("GET", "/v1/activities?limit=5", token, nil)
	call("GET", "/v1/me", token, nil)
}

// scrape returns, per metric name on /metrics, the label names its series carry.
func scrape(base string) (map[string]map[string]bool, error) {
	resp, err := probeClient.Get(base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	labelRe := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"`)
	out := map[string]map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		end := strings.IndexAny(line, "{ ")
		if end < 0 {
			continue
		}
		name := line[:end]
		if out[name] == nil {
			out[name] = map[string]bool{}
		}
		if line[end] == '{' {
			closing := strings.LastIndex(line, "}")
			for _, m := range labelRe.FindAllStringSubmatch(line[end+1:closing], -1) {
				out[name][m[1]] = true
			}
		}
	}
	return out, sc.Err()
}

// targetLabels are attached by Prometheus (or the collector) at scrape time.
var targetLabels = map[string]bool{"job": true, "instance": true}

func testMetricsExported(t *testing.T, s *liveStack) {
	used := usedSelectors(t)
	var want []string
	for name := range used {
		if !synthetic[name] {
			want = append(want, name)
		}
	}
	for _, m := range contractMetrics {
		if !slices.Contains(want, m) && !strings.HasSuffix(m, "_seconds") {
			want = append(want, m)
		}
	}
	slices.Sort(want)

	// Gauges computed by jobs (consumer lag, outbox age) may need a cycle.
	var got map[string]map[string]bool
	var missing []string
	deadline := time.Now().Add(20 * time.Second)
	for {
		var err error
		got, err = scrape(s.base)
		if err != nil {
			t.Fatal(err)
		}
		missing = missing[:0]
		for _, n := range want {
			if got[n] == nil {
				missing = append(missing, n)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	for _, n := range missing {
		t.Errorf("%s is read by %s but the binary does not export it", n, used[n][0].where)
	}

	// Every label a query matches on must exist on the metric, or the
	// panel silently shows nothing.
	for _, name := range want {
		if got[name] == nil {
			continue
		}
		for _, u := range used[name] {
			for _, l := range u.labels {
				if !targetLabels[l] && !got[name][l] {
					t.Errorf("%s matches on label %q, which %s does not have (labels: %v)", u.where, l, name, sortedKeys(got[name]))
				}
			}
		}
	}
	t.Logf("checked %d metric names used by dashboards and alerts against %d families on /metrics", len(want), len(got))
}

// runbookVerifySQL extracts verify.sql from docs/runbooks/fly-to-aws.md.
func runbookVerifySQL(t *testing.T) string {
	t.Helper()
	doc := readRepoFile(t, "docs", "runbooks", "fly-to-aws.md")
	m := regexp.MustCompile(`(?s)cat > verify\.sql <<'SQL'\n(.*?)\nSQL\n`).FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("docs/runbooks/fly-to-aws.md: no verify.sql heredoc")
	}
	return m[1]
}

// testRunbookVerify runs the runbook's copy procedure on the database the
// binary just filled: pg_dump with the runbook's flags, pg_restore into a
// fresh database as the runbook does, then its verify.sql on both sides.
// The outputs must be identical, and must differ once a row is changed.
func testRunbookVerify(t *testing.T, s *liveStack) {
	for _, tool := range []string{"psql", "pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install the PostgreSQL 15 client tools (apt-get install -y postgresql-client)", tool)
		}
	}
	dir := t.TempDir()
	sqlFile := filepath.Join(dir, "verify.sql")
	if err := os.WriteFile(sqlFile, []byte(runbookVerifySQL(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	sh := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
		}
		return string(out)
	}
	verify := func(url string) string { return sh("psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", sqlFile) }

	dump := filepath.Join(dir, "zebra-cutover.pgdump")
	schemas := []string{"--schema=platform", "--schema=activities", "--schema=audit", "--schema=identity"}
	sh("pg_dump", append([]string{"--dbname=" + s.dbURL, "--format=custom", "--compress=6", "--no-owner", "--no-privileges", "--file=" + dump}, schemas...)...)
	target := dbtest.EmptyURL(t)
	sh("pg_restore", "--dbname="+target, "--no-owner", "--no-privileges", "--exit-on-error", "--jobs=2", dump)

	src, dst := verify(s.dbURL), verify(target)
	lines := strings.Split(strings.TrimSpace(src), "\n")
	tables := strings.TrimSpace(sh("psql", "-X", "-At", "-d", s.dbURL, "-c",
		"SELECT count(*) FROM pg_tables WHERE schemaname IN ('platform','activities','audit','identity')"))
	if fmt.Sprint(len(lines)) != tables {
		t.Fatalf("verify.sql printed %d lines for %s tables:\n%s", len(lines), tables, src)
	}
	if src != dst {
		t.Fatalf("verify.sql differs between the source and its restored copy:\n--- source\n%s\n--- copy\n%s", src, dst)
	}
	nonEmpty := 0
	for _, l := range lines {
		if parts := strings.Split(l, "|"); len(parts) == 3 && parts[1] != "0" {
			nonEmpty++
		}
	}
	t.Logf("verify.sql: %d tables, %d with rows, identical after dump/restore", len(lines), nonEmpty)
	if nonEmpty == 0 {
		t.Fatalf("no table has rows: the checksum comparison proved nothing\n%s", src)
	}

	// A deleted row must change that table's line, and only that one
	// (tables nothing references, so no foreign key stops the delete).
	var table string
	for _, cand := range []string{"activities.activities", "platform.outbox", "platform.idempotency_keys"} {
		for _, l := range lines {
			if parts := strings.Split(l, "|"); parts[0] == cand && parts[1] != "0" && table == "" {
				table = cand
			}
		}
	}
	if table == "" {
		t.Fatalf("none of activities.activities, platform.outbox, platform.idempotency_keys has rows:\n%s", src)
	}
	sh("psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", target, "-c",
		fmt.Sprintf(`DELETE FROM %s WHERE ctid = (SELECT ctid FROM %s LIMIT 1)`, table, table))
	changed := verify(target)
	var diff []string
	srcLines, dstLines := lines, strings.Split(strings.TrimSpace(changed), "\n")
	for i := range srcLines {
		if srcLines[i] != dstLines[i] {
			diff = append(diff, dstLines[i])
		}
	}
	if len(diff) != 1 || !strings.HasPrefix(diff[0], table+"|") {
		t.Fatalf("deleting one row of %s changed %v", table, diff)
	}
}
