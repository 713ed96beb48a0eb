package contract

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/zebralabs/zebra/platform/blob/blobtest"
	"github.com/zebralabs/zebra/test/internal/zebratest"
)

func TestMain(m *testing.M) {
	// rapid would write a fail file under testdata/rapid/ for each failure;
	// the report prints the seed instead (-rapid.nofailfile=false restores).
	_ = flag.Set("rapid.nofailfile", "true")
	zebratest.Main(m)
}

// defaultDuration bounds the whole property run in `make test`;
// CONTRACT_DURATION=5m runs longer.
const defaultDuration = 30 * time.Second

// TestContract draws requests for every operation of the document the
// binary serves and holds every answer to that document (see Check). A
// drawn request is valid (50%), on the schemas' boundaries (20%) or broken
// in one way (30%, see Mutate); a broken one must get the status docs/api.md
// gives for that breakage. Each operation gets an equal share of
// CONTRACT_DURATION.
func TestContract(t *testing.T) {
	duration := durationFromEnv(t)
	seed := seedFromEnv(t)
	setRapidFlag(t, "rapid.seed", strconv.FormatUint(seed, 10))
	setRapidFlag(t, "rapid.shrinktime", "10s")
	t.Logf("CONTRACT_SEED=%d CONTRACT_DURATION=%s", seed, duration)

	sink := startSMTPSink(t)
	// Object storage is configured, as in production, on a real S3 server:
	// without it the attachment routes answer 503 by design.
	objects := blobtest.Start(t)
	srv := zebratest.Start(t, zebratest.WithEnv(objects.Env()...), zebratest.WithEnv(
		"LOG_LEVEL=warn", "SMTP_URL="+sink.URL(),
		// The limiter stays on (its headers are part of every response)
		// but far from the suite's pace; its own suite tests the limits.
		"RATE_LIMIT_DEFAULT=1000000", "RATE_LIMIT_AUTH=1000000",
		"LOGIN_MAX_FAILURES=1000000", "LOGIN_MAX_FAILURES_PER_IP=1000000",
	))
	spec := fetchSpec(t, srv)
	w := newWorld(t, srv, sink)
	stats := map[string]map[int]int{}
	budget := duration / time.Duration(len(spec.Ops))
	for _, op := range spec.Ops {
		stats[op.ID] = map[int]int{}
		t.Run(op.ID, func(t *testing.T) {
			// The run stops drawing at the deadline, except while rapid
			// shrinks a failure (it replays the property many times).
			deadline, failed := time.Now().Add(budget), false
			setRapidFlag(t, "rapid.checks", strconv.Itoa(int(budget/time.Millisecond)+10))
			rapid.Check(t, func(rt *rapid.T) {
				if !failed && time.Now().After(deadline) {
					return
				}
				w.refreshLogins(t)
				w.replenish()
				r, m := drawCase(rt, spec, w, op)
				resp, err := w.send(r)
				if err != nil {
					failed = true
					rt.Fatalf("send: %v\n%s", err, r)
				}
				stats[op.ID][resp.Status]++
				w.learn(r, resp)
				problems := spec.Check(r, resp)
				if m != nil {
					problems = append(problems, Expect(m, resp)...)
				}
				if len(problems) > 0 {
					failed = true
					rt.Fatalf("%s\n\nrun seed CONTRACT_SEED=%d; this case alone: cd test && CONTRACT_SEED=<the -rapid.seed rapid prints below> go test ./contract -run 'TestContract/%s$'\n\nrequest:\n%s\nresponse:\n%s",
						strings.Join(problems, "\n"), seed, op.ID, r, resp)
				}
			})
		})
	}
	report(t, spec, stats)
}

// drawCase draws one request for op: valid, on the boundaries, or broken.
func drawCase(rt *rapid.T, spec *Spec, w *world, op *Operation) (*Request, *Mutation) {
	kind := rapid.IntRange(0, 9).Draw(rt, "case")
	r := DrawRequest(rt, op, kind >= 5 && kind < 7)
	w.aim(rt, r, kind >= 7)
	if err := spec.ValidateRequest(r); err != nil {
		rt.Fatalf("generator bug: a drawn request the document refuses: %v\n%s", err, r)
	}
	if kind < 7 {
		w.aimKey(rt, r, nil)
		return r, nil
	}
	m := Mutate(rt, r)
	w.aimKey(rt, r, m)
	if m != nil && m.SchemaInvalid {
		if err := spec.ValidateRequest(r); err == nil {
			rt.Fatalf("generator bug: mutation %q (%s) left a request the document accepts\n%s", m.Kind, m.Target, r)
		}
	}
	return r, m
}

// mailedTokenOps succeed only with a single-use token that arrives by mail
// (through the outbox and the mailer, asynchronously), which a short run
// may spend or see voided before another arrives: a run without a 2xx there
// says nothing about the service. Their success paths are asserted by the
// identity end-to-end suite (modules/identity, real Mailpit).
var mailedTokenOps = map[string]bool{"confirm-password-reset": true, "verify-email": true}

// report logs how often each operation answered each status, and fails
// when an operation never succeeded (secured ones: never got past 401/403),
// which would mean the suite only ever exercised its errors.
func report(t *testing.T, spec *Spec, stats map[string]map[int]int) {
	t.Helper()
	var lines []string
	for _, op := range spec.Ops {
		counts := stats[op.ID]
		statuses := make([]int, 0, len(counts))
		total, ok := 0, 0
		for s, n := range counts {
			statuses = append(statuses, s)
			total += n
			if s >= 200 && s < 400 {
				ok += n
			}
		}
		sort.Ints(statuses)
		parts := make([]string, len(statuses))
		for i, s := range statuses {
			parts[i] = fmt.Sprintf("%d×%d", s, counts[s])
		}
		lines = append(lines, fmt.Sprintf("%-24s %5d requests  %s", op.ID, total, strings.Join(parts, " ")))
		if total > 0 && ok == 0 && !t.Failed() && !mailedTokenOps[op.ID] {
			t.Errorf("%s: no generated request succeeded in %d tries (statuses %v): the run never got past its errors", op, total, parts)
		}
	}
	t.Logf("responses by operation:\n%s", strings.Join(lines, "\n"))
}

func fetchSpec(t *testing.T, srv *zebratest.Server) *Spec {
	t.Helper()
	resp, err := http.Get(srv.URL("/openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /openapi.json: %d %v", resp.StatusCode, err)
	}
	spec, err := LoadSpec(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(spec.Ops) == 0 {
		t.Fatal("the served document has no operations")
	}
	return spec
}

func durationFromEnv(t *testing.T) time.Duration {
	t.Helper()
	v := os.Getenv("CONTRACT_DURATION")
	if v == "" {
		return defaultDuration
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("CONTRACT_DURATION=%q: want a positive duration like 30s or 5m", v)
	}
	return d
}

func seedFromEnv(t *testing.T) uint64 {
	t.Helper()
	v := os.Getenv("CONTRACT_SEED")
	if v == "" {
		return uint64(time.Now().UnixNano())
	}
	seed, err := strconv.ParseUint(v, 10, 64)
	if err != nil || seed == 0 {
		t.Fatalf("CONTRACT_SEED=%q: want a positive integer", v)
	}
	return seed
}

// setRapidFlag sets one of rapid's flags unless the command line did.
func setRapidFlag(t *testing.T, name, value string) {
	t.Helper()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	if given && name != "rapid.checks" {
		return
	}
	if err := flag.Set(name, value); err != nil {
		t.Fatalf("set -%s: %v", name, err)
	}
}
