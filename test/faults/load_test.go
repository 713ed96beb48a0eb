package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// result is one request the load sent.
type result struct {
	op      string // create, list, get
	status  int    // 0: no answer (transport error or client timeout)
	err     string
	latency time.Duration
	at      time.Time
	// For creates: the title sent (unique) and the id a 2xx returned.
	title, id string
	// retryAfter is the Retry-After header of a 503 or 429.
	retryAfter string
}

// recorder collects results from the load's goroutines.
type recorder struct {
	mu      sync.Mutex
	results []result
}

func (r *recorder) add(res result) {
	r.mu.Lock()
	r.results = append(r.results, res)
	r.mu.Unlock()
}

func (r *recorder) all() []result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]result(nil), r.results...)
}

// httpClient waits longer than the server's request deadline, so a
// request the server never answers shows as a hang (status 0).
var httpClient = &http.Client{Timeout: 8 * time.Second}

// worker is one load goroutine acting as one member.
type worker struct {
	base, token, name string
	seq               atomic.Int64
	created           []string
}

// run sends requests until ctx ends: mostly creates (half of them with
// an Idempotency-Key), lists and reads of what it created.
func (w *worker) run(ctx context.Context, rec *recorder) {
	for i := 0; ctx.Err() == nil; i++ {
		var res result
		switch {
		case i%10 < 6:
			res = w.create(i%2 == 0)
		case i%10 < 9 || len(w.created) == 0:
			res = w.call("list", http.MethodGet, "/v1/activities?limit=10", nil, nil)
		default:
			res = w.call("get", http.MethodGet, "/v1/activities/"+w.created[i%len(w.created)], nil, nil)
		}
		rec.add(res)
		pause := 5 * time.Millisecond
		if res.status == http.StatusServiceUnavailable {
			pause = 50 * time.Millisecond // a client backing off a little
		}
		time.Sleep(pause)
	}
}

func (w *worker) create(withKey bool) result {
	title := fmt.Sprintf("%s #%d %s", w.name, w.seq.Add(1), uuid.NewString()[:8])
	body, _ := json.Marshal(map[string]string{"title": title})
	h := map[string]string{}
	if withKey {
		h["Idempotency-Key"] = uuid.NewString()
	}
	res := w.call("create", http.MethodPost, "/v1/activities", body, h)
	res.title = title
	if res.status == http.StatusCreated {
		w.created = append(w.created, res.id)
	}
	return res
}

func (w *worker) call(op, method, path string, body []byte, header map[string]string) result {
	start := time.Now()
	res := result{op: op, at: start}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, w.base+path, rd)
	if err != nil {
		res.err = err.Error()
		return res
	}
	req.Header.Set("Authorization", "Bearer "+w.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	res.latency = time.Since(start)
	if err != nil {
		res.err = err.Error()
		return res
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	res.status = resp.StatusCode
	res.retryAfter = resp.Header.Get("Retry-After")
	if res.status >= 500 {
		var env struct{ Code string }
		_ = json.Unmarshal(b, &env)
		res.err = env.Code
	}
	if op == "create" && resp.StatusCode == http.StatusCreated {
		var a struct{ ID string }
		_ = json.Unmarshal(b, &a)
		res.id = a.ID
	}
	return res
}

// stats summarises results.
type stats struct {
	n        int
	byStatus map[int]int
	p50, p99 time.Duration
	max      time.Duration
	// max503 is the slowest 503: how fast a refusal comes.
	max503 time.Duration
}

func summarize(rs []result) stats {
	s := stats{n: len(rs), byStatus: map[int]int{}}
	lat := make([]time.Duration, 0, len(rs))
	for _, r := range rs {
		s.byStatus[r.status]++
		lat = append(lat, r.latency)
		if r.status == http.StatusServiceUnavailable && r.latency > s.max503 {
			s.max503 = r.latency
		}
	}
	if len(lat) == 0 {
		return s
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	s.p50 = lat[len(lat)/2]
	s.p99 = lat[len(lat)*99/100]
	s.max = lat[len(lat)-1]
	return s
}

func (s stats) String() string {
	codes := make([]int, 0, len(s.byStatus))
	for c := range s.byStatus {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	parts := make([]string, 0, len(codes))
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", s.byStatus[c], c))
	}
	return fmt.Sprintf("%d requests [%s] p50 %s p99 %s max %s (slowest 503 %s)",
		s.n, strings.Join(parts, " "), ms(s.p50), ms(s.p99), ms(s.max), ms(s.max503))
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }
