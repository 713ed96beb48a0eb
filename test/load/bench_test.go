package load_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/redistest"
)

// Settings, from the environment. The defaults are the smoke run of
// `make test`; `make bench` sets the real ones.
const (
	envDuration = "BENCH_DURATION"    // per scenario, after the warm-up (smoke: 1s)
	envWarmup   = "BENCH_WARMUP"      // per scenario, discarded (smoke: 300ms)
	envRows     = "BENCH_ROWS"        // activities seeded (100000)
	envEnforce  = "BENCH_ENFORCE"     // "1": a missed target fails the test
	envOut      = "BENCH_OUT"         // a file to append the report to
	envOnly     = "BENCH_ONLY"        // a substring: run only matching scenarios
	envProfile  = "BENCH_PROFILE_DIR" // a directory: CPU and alloc profiles of zebra per scenario
	envRounds   = "BENCH_ROUNDS"      // slices each scenario's duration is cut into (smoke: 1)
	envWorker   = "BENCH_WORKER"      // "1": background jobs in a `zebra worker` beside `zebra serve` (fly.toml) instead of inside it
	envTimeline = "BENCH_TIMELINE"    // a file: every measured request's target, scenario, start and latency
)

// deepPages is how many pages the deep-page scenario walks first.
const deepPages = 1000

// Targets of issue 8.
const (
	minReadRatio   = 0.60 // get by id, list first page: of the baseline's requests/s
	minCreateRatio = 0.50
	maxP99Ratio    = 1.5
	maxDeepDrop    = 0.20 // the deep page within 20 % of the first page
	maxRSS         = 100 << 20
	maxReady       = time.Second
)

// TestBench measures zebra against the baseline; see the package comment.
func TestBench(t *testing.T) {
	duration := envDurationOr(t, envDuration, time.Second)
	warmup := envDurationOr(t, envWarmup, 300*time.Millisecond)
	rows, rounds := 100_000, 1
	if v := os.Getenv(envRounds); v != "" {
		if _, err := fmt.Sscan(v, &rounds); err != nil || rounds < 1 {
			t.Fatalf("%s=%q: want a number >= 1", envRounds, v)
		}
	}
	if v := os.Getenv(envRows); v != "" {
		if _, err := fmt.Sscan(v, &rows); err != nil || rows < (deepPages+2)*20 {
			t.Fatalf("%s=%q: want a number >= %d", envRows, v, (deepPages+2)*20)
		}
	}

	dbURL := dbtest.EmptyURL(t)
	rcfg := redistest.Config(t)
	zebra := startZebra(t, dbURL, rcfg.URL, rcfg.Prefix)
	user := signUp(t, zebra)
	ids := seed(t, dbURL, user.id, rows)
	base := startBaseline(t, baselineConfig{
		DatabaseURL: dbURL, PoolSize: 8, RedisURL: rcfg.URL, RedisPrefix: rcfg.Prefix,
		PublicKey: publicKey(t, zebra), Issuer: user.iss, Audience: user.aud, CursorSecret: []byte("baseline-cursor-secret"),
	})

	// The 32 oldest activities are PATCHed, one per worker; get by id
	// picks among the others.
	patchIDs, getIDs := ids[:concurrency], ids[concurrency:]
	targets := []*target{
		newTarget(zebra, user.token, getIDs, patchIDs),
		newTarget(base, user.token, getIDs, patchIDs),
	}
	for _, tg := range targets {
		tg.deep = walkDeep(t, tg, deepPages)
	}

	load1, _ := loadAverage()
	fmt.Fprintf(os.Stdout, "\nzebra load benchmark: %d activities, %d connections, %s per scenario (in %d rounds alternating zebra and baseline) after %s warm-up; load average %s at start\n",
		rows, concurrency, duration, rounds, warmup, load1)
	// Every scenario warms up on both targets, then the measured time is
	// cut into rounds, each running every scenario on zebra then on the
	// baseline: a burst of load from elsewhere on the machine then hits
	// both sides and every scenario alike instead of skewing one figure.
	selected := func(sc scenario) bool {
		only := os.Getenv(envOnly)
		return only == "" || strings.Contains(sc.name, only)
	}
	results := make([][2]outcome, len(scenarios))
	if path := os.Getenv(envTimeline); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(f)
		defer func() {
			if err := errors.Join(w.Flush(), f.Close()); err != nil {
				t.Errorf("%s: %v", envTimeline, err)
			}
		}()
		for i := range results {
			results[i][0].timeline, results[i][1].timeline = w, w
		}
	}
	for _, sc := range scenarios {
		for _, tg := range targets {
			if selected(sc) && warmup > 0 {
				run(tg, sc, warmup, &outcome{})
			}
		}
	}
	settle()
	for range rounds {
		for i, sc := range scenarios {
			for j, tg := range targets {
				if selected(sc) {
					attack(t, tg, sc, duration/time.Duration(rounds), &results[i][j])
				}
			}
		}
	}
	for i := range results {
		results[i][0].finish()
		results[i][1].finish()
	}
	load2, _ := loadAverage()
	peak, rss := zebra.memory(t)
	r := report{
		rows: rows, duration: duration, warmup: warmup, loadStart: load1, loadEnd: load2,
		ready: zebra.ready, results: results, zebraRSSNow: rss, zebraPeakEver: peak,
		separateWorker: zebra.worker != nil,
	}
	var out io.Writer = os.Stdout
	if path := os.Getenv(envOut); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		out = io.MultiWriter(os.Stdout, f)
	}
	misses := r.print(out)

	// Whatever the machine's load: every request must have succeeded and
	// every figure must be there.
	for i, sc := range scenarios {
		for j, name := range []string{"zebra", "baseline"} {
			o := results[i][j]
			if o.requests == 0 {
				if os.Getenv(envOnly) == "" {
					t.Errorf("%s, %s: no request was made", name, sc.name)
				}
				continue
			}
			if o.errors > 0 {
				t.Errorf("%s, %s: %d of %d requests failed, e.g. %v", name, sc.name, o.errors, o.requests, o.samples)
			}
			if o.rps <= 0 || o.p50 <= 0 || o.p99 < o.p50 || o.windowP99 <= 0 {
				t.Errorf("%s, %s: implausible figures %+v", name, sc.name, o)
			}
		}
	}
	if zebra.ready <= 0 || peak <= 0 {
		t.Errorf("implausible start-to-ready %s or peak RSS %d", zebra.ready, peak)
	}
	if os.Getenv(envEnforce) == "1" {
		for _, m := range misses {
			t.Errorf("target missed: %s", m)
		}
	}
}

// settle has the kernel write out what seeding and the warm-ups left dirty
// (sync(2)) before anything is measured. Otherwise it writes it back during
// the first measured round, every time the same one (zebra's first create:
// docs/performance.md, "How a run goes"), stalling the disk, and every commit with
// it, for a few hundred milliseconds. Not a CHECKPOINT: after one, the
// first change to every page writes the whole page to the WAL again, which
// costs the measured rounds more than the stall.
func settle() { syscall.Sync() }

func envDurationOr(t *testing.T, key string, def time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		t.Fatalf("%s=%q: want a duration such as 15s", key, v)
	}
	return d
}

// loadAverage is the first three fields of /proc/loadavg.
func loadAverage() (string, error) {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?", err
	}
	f := strings.Fields(string(raw))
	return strings.Join(f[:3], " "), nil
}

// machine describes the CPU, for the report.
func machine() string {
	out, err := exec.Command("nproc").Output()
	cpus := strings.TrimSpace(string(out))
	if err != nil {
		cpus = "?"
	}
	model := "?"
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(raw), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return cpus + " CPUs, " + model
}
