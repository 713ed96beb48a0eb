package load_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// concurrency is the number of workers and connections of every attack.
const concurrency = 32

// target is one service under load, as the scenarios see it.
type target struct {
	p      *proc
	token  string
	client *http.Client
	// ids are the seeded activities get-by-id picks from; hot is the
	// working set of the cached scenario (its first hotSet ids).
	ids []string
	// deep is the URL of the page 1,000 pages deep.
	deep string
	// patches hands each in-flight PATCH an activity of its own and its
	// current version.
	patches chan patchItem
	seq     atomic.Int64
}

type patchItem struct {
	id      string
	version int
}

// newTarget prepares a target: its client (whose transport returns each
// patched activity to the pool with its new version as soon as the
// response arrives) and the activities reserved for PATCH.
func newTarget(p *proc, token string, ids, patchIDs []string) *target {
	tg := &target{p: p, token: token, ids: ids, patches: make(chan patchItem, len(patchIDs))}
	for _, id := range patchIDs {
		tg.patches <- patchItem{id: id, version: 1}
	}
	transport := &http.Transport{
		MaxIdleConns: concurrency, MaxIdleConnsPerHost: concurrency, MaxConnsPerHost: concurrency,
		DisableCompression: true, IdleConnTimeout: time.Minute,
	}
	tg.client = &http.Client{Timeout: 30 * time.Second, Transport: &tracking{base: transport, tg: tg}}
	return tg
}

// tracking is the transport that closes the PATCH loop.
type tracking struct {
	base http.RoundTripper
	tg   *target
}

func (t *tracking) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if req.Method != http.MethodPatch {
		return resp, err
	}
	id := req.URL.Path[strings.LastIndexByte(req.URL.Path, '/')+1:]
	version, _ := strconv.Atoi(strings.Trim(req.Header.Get("If-Match"), `"`))
	if err == nil && resp.StatusCode == http.StatusOK {
		if v, perr := strconv.Atoi(strings.Trim(resp.Header.Get("ETag"), `"`)); perr == nil {
			version = v
		}
	} else if v, ok := t.tg.currentVersion(id); ok {
		version = v // a failed PATCH: start again from what the server has
	}
	t.tg.patches <- patchItem{id: id, version: version}
	return resp, err
}

// currentVersion reads an activity's version with a GET.
func (tg *target) currentVersion(id string) (int, bool) {
	req, _ := http.NewRequest(http.MethodGet, tg.p.url("/v1/activities/"+id), nil)
	req.Header.Set("Authorization", "Bearer "+tg.token)
	resp, err := tg.client.Transport.(*tracking).base.RoundTrip(req)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	var a struct {
		Version int `json:"version"`
	}
	if json.NewDecoder(resp.Body).Decode(&a) != nil || a.Version == 0 {
		return 0, false
	}
	return a.Version, true
}

func (tg *target) header() http.Header {
	return http.Header{"Authorization": {"Bearer " + tg.token}}
}

// scenario is one workload, the same for zebra and the baseline.
type scenario struct {
	name     string
	targeter func(tg *target) vegeta.Targeter
	// informative scenarios are reported but have no target.
	informative bool
}

// hotSet is the working set of "get by id": 10 % of the seeded
// activities, drawn uniformly, so zebra's read cache holds most of them
// after the warm-up. "get by id, cold" draws from every activity, so most
// reads miss the cache (informative; no target).
const hotSet = 10_000

var scenarios = []scenario{
	{"get by id", func(tg *target) vegeta.Targeter {
		n := min(hotSet, len(tg.ids))
		return func(t *vegeta.Target) error {
			t.Method, t.URL, t.Header = http.MethodGet, tg.p.url("/v1/activities/"+tg.ids[rand.IntN(n)]), tg.header()
			return nil
		}
	}, false},
	{"list first page", func(tg *target) vegeta.Targeter {
		return func(t *vegeta.Target) error {
			t.Method, t.URL, t.Header = http.MethodGet, tg.p.url("/v1/activities"), tg.header()
			return nil
		}
	}, false},
	{"list page 1,000 deep", func(tg *target) vegeta.Targeter {
		return func(t *vegeta.Target) error {
			t.Method, t.URL, t.Header = http.MethodGet, tg.deep, tg.header()
			return nil
		}
	}, false},
	{"create (Idempotency-Key)", func(tg *target) vegeta.Targeter {
		return func(t *vegeta.Target) error {
			n := tg.seq.Add(1)
			h := tg.header()
			h.Set("Content-Type", "application/json")
			h.Set("Idempotency-Key", uuid.NewString())
			t.Method, t.URL, t.Header = http.MethodPost, tg.p.url("/v1/activities"), h
			t.Body = fmt.Appendf(nil, `{"title":"Created by the benchmark %d","description":"load test"}`, n)
			return nil
		}
	}, false},
	{"patch (If-Match)", func(tg *target) vegeta.Targeter {
		return func(t *vegeta.Target) error {
			item := <-tg.patches
			h := tg.header()
			h.Set("Content-Type", "application/json")
			h.Set("If-Match", `"`+strconv.Itoa(item.version)+`"`)
			t.Method, t.URL, t.Header = http.MethodPatch, tg.p.url("/v1/activities/"+item.id), h
			t.Body = fmt.Appendf(nil, `{"title":"Patched by the benchmark %d"}`, tg.seq.Add(1))
			return nil
		}
	}, false},
	{"get by id, cold", func(tg *target) vegeta.Targeter {
		return func(t *vegeta.Target) error {
			t.Method, t.URL, t.Header = http.MethodGet, tg.p.url("/v1/activities/"+tg.ids[rand.IntN(len(tg.ids))]), tg.header()
			return nil
		}
	}, true},
}

// walkDeep follows nextCursor for depth pages and returns the URL of the
// page after them.
func walkDeep(t *testing.T, tg *target, depth int) string {
	t.Helper()
	url := tg.p.url("/v1/activities")
	for i := range depth {
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor *string           `json:"nextCursor"`
		}
		call(t, http.MethodGet, url, tg.token, nil, http.StatusOK, &page)
		if page.NextCursor == nil || len(page.Items) != 20 {
			t.Fatalf("%s: page %d has %d items and cursor %v", tg.p.name, i+1, len(page.Items), page.NextCursor)
		}
		url = tg.p.url("/v1/activities?cursor=" + *page.NextCursor)
	}
	return url
}

// outcome is what the attacks of one scenario on one target measured.
type outcome struct {
	requests  uint64
	errors    int
	wall      time.Duration // summed over the rounds
	cpu       time.Duration // the server's CPU time during the attacks
	storeCPU  time.Duration // Postgres's and Redis's CPU time during the attacks
	latencies []time.Duration
	ok        int
	rps       float64
	p50, p99  time.Duration
	// windows holds the latencies by the 250 ms window their request
	// started in, and windowP99 is the median of the windows' p99s: the
	// steady tail, which one storage stall of the machine (a few hundred
	// milliseconds, docs/performance.md, "How a run goes") does not move the way it
	// moves the p99 of a whole run. Informative; the targets use p99.
	windows   map[int64][]time.Duration
	windowP99 time.Duration
	peakRSS   int64
	samples   []string // a few distinct errors
	// timeline, when set, gets one line per answered request: target,
	// scenario, start (Unix µs), latency (µs), for looking at how
	// latencies spread over time (BENCH_TIMELINE).
	timeline io.Writer
}

// attack runs sc against tg for d, adding to o; the peak RSS is the
// highest over the rounds.
func attack(t *testing.T, tg *target, sc scenario, d time.Duration, o *outcome) {
	t.Helper()
	tg.p.resetPeak(t)
	profiled := profile(t, tg.p, sc.name, d)
	cpu, store := tg.p.cpu(t), storeCPU()
	run(tg, sc, d, o)
	o.cpu += tg.p.cpu(t) - cpu
	o.storeCPU += storeCPU() - store
	profiled()
	peak, _ := tg.p.memory(t)
	o.peakRSS = max(o.peakRSS, peak)
}

// run is one attack at concurrency workers over as many connections.
// Latencies are kept whole (a few hundred thousand at most), so the
// quantiles are exact.
func run(tg *target, sc scenario, d time.Duration, o *outcome) {
	a := vegeta.NewAttacker(vegeta.Client(tg.client), vegeta.Workers(concurrency), vegeta.MaxWorkers(concurrency), vegeta.MaxBody(0))
	began := time.Now()
	for r := range a.Attack(sc.targeter(tg), vegeta.Rate{Freq: 0}, d, sc.name) {
		o.requests++
		if r.Error != "" || r.Code >= 400 {
			o.errors++
			if msg := fmt.Sprintf("%d %s", r.Code, r.Error); len(o.samples) < 5 && !slices.Contains(o.samples, msg) {
				o.samples = append(o.samples, msg)
			}
			continue
		}
		o.latencies = append(o.latencies, r.Latency)
		o.window(r.Timestamp, r.Latency)
		if o.timeline != nil {
			fmt.Fprintf(o.timeline, "%s\t%s\t%d\t%d\n", tg.p.name, sc.name, r.Timestamp.UnixMicro(), r.Latency.Microseconds())
		}
	}
	o.wall += time.Since(began)
}

// cpuPerRequest is the server's CPU time per successful request.
func (o *outcome) cpuPerRequest() time.Duration { return o.perRequest(o.cpu) }

// storeCPUPerRequest is Postgres's and Redis's CPU time per successful
// request: the work a design puts on its stores, which the server's own
// figure does not show (background jobs' statements, index updates,
// commits).
func (o *outcome) storeCPUPerRequest() time.Duration { return o.perRequest(o.storeCPU) }

func (o *outcome) perRequest(d time.Duration) time.Duration {
	if o.ok == 0 {
		return 0
	}
	return d / time.Duration(o.ok)
}

// finish computes requests/s (successful ones over the time spent) and
// the quantiles.
func (o *outcome) finish() {
	o.ok = len(o.latencies)
	if o.wall > 0 {
		o.rps = float64(o.ok) / o.wall.Seconds()
	}
	slices.Sort(o.latencies)
	o.p50, o.p99 = quantile(o.latencies, 0.50), quantile(o.latencies, 0.99)
	o.latencies = nil
	var p99s []time.Duration
	for _, w := range o.windows {
		if len(w) >= minWindowRequests {
			slices.Sort(w)
			p99s = append(p99s, quantile(w, 0.99))
		}
	}
	slices.Sort(p99s)
	o.windowP99 = quantile(p99s, 0.50)
	o.windows = nil
}

// windowLen is how long the windows of windowP99 are, and minWindowRequests
// how many answers a window needs to count (the last, cut-off one of an
// attack may have a handful).
const (
	windowLen         = 250 * time.Millisecond
	minWindowRequests = 20
)

// window files a latency under the window its request started in.
func (o *outcome) window(start time.Time, latency time.Duration) {
	if o.windows == nil {
		o.windows = map[int64][]time.Duration{}
	}
	k := start.UnixNano() / int64(windowLen)
	o.windows[k] = append(o.windows[k], latency)
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(int(q*float64(len(sorted))), len(sorted)-1)]
}
