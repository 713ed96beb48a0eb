package activities_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// parallel runs n copies of fn at once and returns their responses.
func parallel(n int, fn func(i int) response) []response {
	out := make([]response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			out[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return out
}

func statuses(rs []response) map[int]int {
	m := map[int]int{}
	for _, r := range rs {
		m[r.status]++
	}
	return m
}

// testConcurrentPatchesOneWinner: of 20 PATCHes sent at once with the
// same If-Match, exactly one succeeds; the others are 412.
func testConcurrentPatchesOneWinner(t *testing.T) {
	alice := newMember(t)
	a := create(t, alice, map[string]any{"title": "Contended"})
	path := "/v1/activities/" + a["id"].(string)
	rs := parallel(20, func(i int) response {
		return call(t, alice, "PATCH", path, fmt.Sprintf(`{"title":"Writer %d"}`, i), "If-Match", `"1"`)
	})
	if got := statuses(rs); got[200] != 1 || got[412] != 19 {
		t.Fatalf("statuses %v, want one 200 and nineteen 412", got)
	}
	final := expect(t, call(t, alice, "GET", path, nil), http.StatusOK).json(t)
	if final["version"] != float64(2) {
		t.Fatalf("version %v, want 2", final["version"])
	}
	if n := count(t, `SELECT count(*) FROM platform.outbox WHERE aggregate_id = $1 AND event_type = 'activity.updated'`, a["id"]); n != 1 {
		t.Fatalf("%d activity.updated events, want 1", n)
	}
}

// testEveryCommandWritesAuditAndOutboxEvents: create, update, status
// change and delete each write their audit event and outbox event(s).
func testEveryCommandWritesAuditAndOutboxEvents(t *testing.T) {
	alice := newMember(t)
	requestID := "journal-" + random()
	a := expect(t, call(t, alice, "POST", "/v1/activities", `{"title":"Journaled"}`, "X-Request-Id", requestID), http.StatusCreated).json(t)
	id, path := a["id"].(string), "/v1/activities/"+a["id"].(string)
	expect(t, call(t, alice, "PATCH", path, `{"title":"Renamed","status":"in_progress"}`, "If-Match", `"1"`), http.StatusOK)
	if n := count(t, `SELECT count(*) FROM platform.outbox WHERE aggregate_id = $1 AND request_id = $2`, id, requestID); n != 1 {
		t.Errorf("the creation's outbox event does not carry the request id %s", requestID)
	}
	expect(t, call(t, alice, "DELETE", path, nil, "If-Match", `"2"`), http.StatusNoContent)

	rows, err := srv.db.Query(`SELECT event_type FROM platform.outbox WHERE aggregate_id = $1 ORDER BY seq`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var types []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		types = append(types, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := "activity.created,activity.updated,activity.status_changed,activity.deleted"
	if strings.Join(types, ",") != want {
		t.Fatalf("outbox events %v, want %s", types, want)
	}
	page := expect(t, call(t, admin(t), "GET", "/v1/audit-events?entityType=activity&entityId="+id, nil), http.StatusOK).json(t)
	var actions []string
	for _, it := range page["items"].([]any) {
		e := it.(map[string]any)
		actions = append(actions, e["action"].(string))
		if e["action"] == "activity.created" && e["requestId"] != requestID {
			t.Errorf("audit requestId %v, want %s", e["requestId"], requestID)
		}
		if e["action"] == "activity.updated" {
			before, _ := e["before"].(map[string]any)
			after, _ := e["after"].(map[string]any)
			if before["title"] != "Journaled" || after["title"] != "Renamed" || after["status"] != "in_progress" {
				t.Errorf("update snapshots: before %v after %v", before, after)
			}
		}
		if e["actor"] != alice.id {
			t.Errorf("audit actor %v, want %s", e["actor"], alice.id)
		}
	}
	if strings.Join(actions, ",") != "activity.deleted,activity.updated,activity.created" {
		t.Fatalf("audit actions (newest first) %v", actions)
	}
}

// testIdempotentCreate: the same key and body replay the first response;
// 50 concurrent POSTs with one key (docs/api.md says 50, the issue 30) make one
// activity, one audit event and one outbox event.
func testIdempotentCreate(t *testing.T) {
	alice := newMember(t)
	title := "Once " + random()
	body := fmt.Sprintf(`{"title":%q}`, title)
	const n = 50
	rs := parallel(n, func(int) response {
		return call(t, alice, "POST", "/v1/activities", body, "Idempotency-Key", "create-"+title)
	})
	got := statuses(rs)
	if got[201]+got[409] != n || got[201] < 1 {
		t.Fatalf("statuses %v, want 201s and 409 idempotency_key_in_use only", got)
	}
	var first response
	originals := 0
	for _, r := range rs {
		switch r.status {
		case 201:
			if r.header.Get("Idempotent-Replayed") != "true" {
				originals++
			}
			if first.body == nil {
				first = r
			} else if string(r.body) != string(first.body) {
				t.Fatalf("two different 201 bodies: %s / %s", first.body, r.body)
			}
		case 409:
			if r.code(t) != "idempotency_key_in_use" {
				t.Fatalf("409 %s", r.body)
			}
		}
	}
	if originals != 1 {
		t.Fatalf("%d responses were not replays, want exactly 1", originals)
	}
	id := first.json(t)["id"].(string)
	if n := count(t, `SELECT count(*) FROM activities.activities WHERE title = $1`, title); n != 1 {
		t.Fatalf("%d activities, want 1", n)
	}
	if n := count(t, `SELECT count(*) FROM platform.outbox WHERE aggregate_id = $1`, id); n != 1 {
		t.Fatalf("%d outbox events, want 1", n)
	}
	audit := expect(t, call(t, admin(t), "GET", "/v1/audit-events?entityType=activity&entityId="+id, nil), http.StatusOK).json(t)
	if n := len(audit["items"].([]any)); n != 1 {
		t.Fatalf("%d audit events, want 1", n)
	}

	replay := call(t, alice, "POST", "/v1/activities", body, "Idempotency-Key", `"create-`+title+`"`)
	if replay.status != 201 || replay.header.Get("Idempotent-Replayed") != "true" || string(replay.body) != string(first.body) {
		t.Fatalf("replay: %d %v %s", replay.status, replay.header, replay.body)
	}
	for _, h := range []string{"Location", "ETag"} {
		if replay.header.Get(h) == "" || replay.header.Get(h) != first.header.Get(h) {
			t.Errorf("replayed %s = %q, first %q", h, replay.header.Get(h), first.header.Get(h))
		}
	}
}

// testIdempotencyRules: key syntax, reuse with another request, scope per
// caller, replay of PATCH and DELETE, and 4xx outcomes replayed.
func testIdempotencyRules(t *testing.T) {
	alice, bob := newMember(t), newMember(t)
	key := "rules-" + random()

	tests := []struct {
		name     string
		key      string
		status   int
		wantCode string
	}{
		{"empty key", "", 400, "invalid_idempotency_key"},
		{"256 characters", strings.Repeat("k", 256), 400, "invalid_idempotency_key"},
	}
	for _, tt := range tests {
		r := call(t, alice, "POST", "/v1/activities", `{"title":"x"}`, "Idempotency-Key", tt.key)
		if r.status != tt.status || r.code(t) != tt.wantCode {
			t.Errorf("%s: %d %s", tt.name, r.status, r.body)
		}
	}
	expect(t, call(t, alice, "POST", "/v1/activities", `{"title":"x"}`, "Idempotency-Key", strings.Repeat("k", 255)), 201)

	expect(t, call(t, alice, "POST", "/v1/activities", `{"title":"first"}`, "Idempotency-Key", key), 201)
	if r := call(t, alice, "POST", "/v1/activities", `{"title":"second"}`, "Idempotency-Key", key); r.status != 422 || r.code(t) != "idempotency_key_reused" {
		t.Fatalf("reused with another body: %d %s", r.status, r.body)
	}
	// Another caller's key is another key.
	if r := call(t, bob, "POST", "/v1/activities", `{"title":"first"}`, "Idempotency-Key", key); r.status != 201 || r.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("bob with alice's key: %d replayed=%q", r.status, r.header.Get("Idempotent-Replayed"))
	}

	// A 4xx outcome is recorded and replayed too.
	bad := call(t, alice, "POST", "/v1/activities", `{"title":""}`, "Idempotency-Key", key+"-bad")
	again := call(t, alice, "POST", "/v1/activities", `{"title":""}`, "Idempotency-Key", key+"-bad")
	if bad.status != 422 || again.status != 422 || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("4xx replay: %d then %d replayed=%q", bad.status, again.status, again.header.Get("Idempotent-Replayed"))
	}

	a := create(t, alice, map[string]any{"title": "Patched once"})
	path := "/v1/activities/" + a["id"].(string)
	p1 := expect(t, call(t, alice, "PATCH", path, `{"status":"in_progress"}`, "If-Match", `"1"`, "Idempotency-Key", key+"-patch"), 200)
	p2 := expect(t, call(t, alice, "PATCH", path, `{"status":"in_progress"}`, "If-Match", `"1"`, "Idempotency-Key", key+"-patch"), 200)
	if p2.header.Get("Idempotent-Replayed") != "true" || string(p2.body) != string(p1.body) || p2.header.Get("ETag") != `"2"` {
		t.Fatalf("PATCH replay: %v %s", p2.header, p2.body)
	}
	d1 := expect(t, call(t, alice, "DELETE", path, nil, "If-Match", `"2"`, "Idempotency-Key", key+"-delete"), 204)
	d2 := expect(t, call(t, alice, "DELETE", path, nil, "If-Match", `"2"`, "Idempotency-Key", key+"-delete"), 204)
	if d1.header.Get("Idempotent-Replayed") != "" || d2.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("DELETE replay: %v", d2.header)
	}
	if n := count(t, `SELECT count(*) FROM platform.outbox WHERE aggregate_id = $1`, a["id"]); n != 3 {
		t.Fatalf("%d outbox events for create+patch+delete, want 3", n)
	}
}

// testReadCache: GET is served from the cache after the first read, and a
// change is visible at once.
func testReadCache(t *testing.T) {
	alice := newMember(t)
	a := create(t, alice, map[string]any{"title": "Cached"})
	path := "/v1/activities/" + a["id"].(string)
	before := cacheHits(t)
	for range 3 {
		expect(t, call(t, alice, "GET", path, nil), http.StatusOK)
	}
	if hits := cacheHits(t) - before; hits < 2 {
		t.Fatalf("%v cache hits for 3 reads, want at least 2", hits)
	}
	expect(t, call(t, alice, "PATCH", path, `{"title":"Fresh"}`, "If-Match", `"1"`), http.StatusOK)
	got := expect(t, call(t, alice, "GET", path, nil), http.StatusOK)
	if got.json(t)["title"] != "Fresh" || got.header.Get("ETag") != `"2"` {
		t.Fatalf("stale read after a change: %s", got.body)
	}
	expect(t, call(t, alice, "DELETE", path, nil, "If-Match", `"2"`), http.StatusNoContent)
	expect(t, call(t, alice, "GET", path, nil), http.StatusNotFound)
}

func cacheHits(t *testing.T) float64 {
	t.Helper()
	r := expect(t, call(t, nil, "GET", "/metrics", nil), http.StatusOK)
	for _, line := range strings.Split(string(r.body), "\n") {
		if strings.HasPrefix(line, `cache_requests_total{cache="activities",result="hit"}`) {
			var v float64
			fmt.Sscanf(strings.Fields(line)[1], "%g", &v)
			return v
		}
	}
	return 0
}
