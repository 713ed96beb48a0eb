package activities_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"
)

// walk follows nextCursor from the first page of path and returns every
// id in order.
func walk(t *testing.T, u *user, path string) []string {
	t.Helper()
	var ids []string
	next := path
	for range 1000 {
		page := expect(t, call(t, u, "GET", next, nil), http.StatusOK).json(t)
		for _, it := range page["items"].([]any) {
			ids = append(ids, it.(map[string]any)["id"].(string))
		}
		cursor, ok := page["nextCursor"].(string)
		if !ok {
			if page["nextCursor"] != nil {
				t.Fatalf("nextCursor = %#v", page["nextCursor"])
			}
			return ids
		}
		next = path + sep(path) + "cursor=" + url.QueryEscape(cursor)
	}
	t.Fatal("the walk never ended")
	return nil
}

func sep(path string) string {
	for _, c := range path {
		if c == '?' {
			return "&"
		}
	}
	return "?"
}

func createN(t *testing.T, u *user, n int, status string) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range n {
		body := map[string]any{"title": fmt.Sprintf("Item %d", i)}
		if status != "" {
			body["status"] = status
		}
		ids[i] = create(t, u, body)["id"].(string)
	}
	return ids
}

// testListRules covers the page shape, limits, order, filters and cursors.
func testListRules(t *testing.T) {
	alice, bob := newMember(t), newMember(t)
	planned := createN(t, alice, 23, "")
	done := createN(t, alice, 4, "done")
	createN(t, bob, 3, "")

	first := expect(t, call(t, alice, "GET", "/v1/activities", nil), http.StatusOK).json(t)
	items := first["items"].([]any)
	if len(items) != 20 {
		t.Fatalf("default page has %d items, want 20", len(items))
	}
	if items[0].(map[string]any)["id"] != done[3] {
		t.Fatalf("not newest first: %v", items[0])
	}
	if _, ok := first["nextCursor"].(string); !ok {
		t.Fatalf("nextCursor = %v", first["nextCursor"])
	}

	all := walk(t, alice, "/v1/activities?limit=5")
	if len(all) != 27 {
		t.Fatalf("walked %d, want 27", len(all))
	}
	for i := range all {
		want := append(append([]string{}, planned...), done...)[26-i]
		if all[i] != want {
			t.Fatalf("item %d = %s, want %s (newest first)", i, all[i], want)
		}
	}
	if got := walk(t, alice, "/v1/activities?status=done&limit=3"); len(got) != 4 {
		t.Fatalf("status=done: %d items, want 4", len(got))
	}
	last := expect(t, call(t, alice, "GET", "/v1/activities?limit=100", nil), http.StatusOK).json(t)
	if len(last["items"].([]any)) != 27 || last["nextCursor"] != nil {
		t.Fatalf("limit=100: %d items, nextCursor %v", len(last["items"].([]any)), last["nextCursor"])
	}

	cursor := first["nextCursor"].(string)
	tests := []struct {
		name     string
		as       *user
		path     string
		status   int
		wantCode string
	}{
		{"limit 0", alice, "/v1/activities?limit=0", 422, "validation_failed"},
		{"limit 101", alice, "/v1/activities?limit=101", 422, "validation_failed"},
		{"limit -1", alice, "/v1/activities?limit=-1", 422, "validation_failed"},
		{"forged cursor", alice, "/v1/activities?cursor=eyJpZCI6IngifQ.AAAAAAAAAAAAAAAAAAAAAA", 400, "invalid_cursor"},
		{"garbage cursor", alice, "/v1/activities?cursor=%21%21%21", 400, "invalid_cursor"},
		{"cursor of another list (status)", alice, "/v1/activities?status=planned&cursor=" + url.QueryEscape(cursor), 400, "invalid_cursor"},
		{"cursor of another caller", bob, "/v1/activities?cursor=" + url.QueryEscape(cursor), 400, "invalid_cursor"},
		{"unknown status", alice, "/v1/activities?status=paused", 422, "validation_failed"},
	}
	for _, tt := range tests {
		r := call(t, tt.as, "GET", tt.path, nil)
		if r.status != tt.status || r.code(t) != tt.wantCode {
			t.Errorf("%s: %d %s, want %d %s", tt.name, r.status, r.body, tt.status, tt.wantCode)
		}
	}
}

// testAdminLists: admins list everyone's activities and may filter by
// ownerId; members asking for someone else's see nothing.
func testAdminLists(t *testing.T) {
	alice, bob := newMember(t), newMember(t)
	aliceIDs := createN(t, alice, 3, "")
	createN(t, bob, 2, "")
	owned := walk(t, admin(t), "/v1/activities?limit=2&ownerId="+alice.id)
	if len(owned) != 3 || owned[0] != aliceIDs[2] {
		t.Fatalf("admin's ownerId filter: %v", owned)
	}
	everyone := expect(t, call(t, admin(t), "GET", "/v1/activities?limit=100", nil), http.StatusOK).json(t)
	seen := map[string]bool{}
	for _, it := range everyone["items"].([]any) {
		seen[it.(map[string]any)["ownerId"].(string)] = true
	}
	if !seen[alice.id] || !seen[bob.id] {
		t.Fatalf("admin's list misses an owner: %v", seen)
	}
	if got := walk(t, bob, "/v1/activities?ownerId="+alice.id); len(got) != 0 {
		t.Fatalf("bob sees alice's: %v", got)
	}
	if got := walk(t, bob, "/v1/activities?ownerId="+bob.id); len(got) != 2 {
		t.Fatalf("bob naming himself: %d items", len(got))
	}
}

// testPaginationWalkWhileInserting: walking every page while another
// client inserts returns no item twice and skips none that existed.
func testPaginationWalkWhileInserting(t *testing.T) {
	alice := newMember(t)
	existing := createN(t, alice, 120, "")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if r := call(t, alice, "POST", "/v1/activities", map[string]any{"title": fmt.Sprintf("Concurrent %d", i)}); r.status != http.StatusCreated {
				t.Errorf("concurrent insert: %d %s", r.status, r.body)
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	})
	seen := walk(t, alice, "/v1/activities?limit=7")
	close(stop)
	wg.Wait()

	count := map[string]int{}
	for _, id := range seen {
		count[id]++
		if count[id] > 1 {
			t.Fatalf("%s returned twice", id)
		}
	}
	for _, id := range existing {
		if count[id] != 1 {
			t.Fatalf("%s existed when the walk began but was skipped", id)
		}
	}
	if total := len(walk(t, alice, "/v1/activities?limit=100")); total <= len(existing) {
		t.Fatalf("the inserting goroutine inserted nothing (%d)", total)
	}
}
