package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zebralabs/zebra/test/internal/zebratest"
)

// principal is an account the suite acts as.
type principal struct {
	name     string
	email    string
	password string
	id       string
	token    string
}

// world is what the suite knows about the server's state, so that drawn
// requests can name things that exist: real ids, current ETags, cursors
// the service issued, refresh tokens, idempotency keys already used.
type world struct {
	base   string
	client *http.Client

	member, other, admin, auditor, login *principal
	// reset is the account password resets are aimed at, and mail the
	// sink its mail arrives in.
	reset *principal
	mail  *smtpSink
	// victims are the users role changes and deactivations are aimed at.
	victims []*principal
	users   []string
	// created are the ids of the resources the suite created, by
	// collection path ("/v1/activities") and owner name: learned from
	// every module's create operation, so a new module needs no code here.
	created map[string]map[string][]string
	// recipes are request bodies that created a resource, by collection;
	// replenish sends them again for the collections aimed at.
	recipes map[string]any
	aimed   map[string]bool
	cursors map[string][]string
	// attachments are the attachments the suite added and uploaded.
	attachments      []attachmentRef
	aimedAttachments int
	// keys are the Idempotency-Keys sent so far, by scope (see keyScope).
	keys     map[string][]string
	used     map[string]bool
	fresh    int
	loggedIn time.Time
}

const password = "contract-suite-password"

// newWorld signs up the suite's accounts, makes one an admin with
// `zebra users create-admin` and one an auditor through the API, logs them
// in and gives them activities: more than a maximal page for the member.
func newWorld(t *testing.T, srv *zebratest.Server, sink *smtpSink) *world {
	t.Helper()
	w := &world{
		mail:    sink,
		base:    srv.URL(""),
		client:  &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		created: map[string]map[string][]string{},
		recipes: map[string]any{"/v1/activities": map[string]any{"title": "replenished"}},
		aimed:   map[string]bool{},
		cursors: map[string][]string{},
		keys:    map[string][]string{},
		used:    map[string]bool{},
	}
	suffix := fmt.Sprint(time.Now().UnixNano())
	account := func(name string) *principal {
		return &principal{name: name, email: name + "." + suffix + "@contract.test", password: password}
	}
	w.member, w.other, w.auditor, w.login, w.reset = account("member"), account("other"), account("auditor"), account("login"), account("reset")
	for _, p := range []*principal{w.member, w.other, w.auditor, w.login, w.reset} {
		w.signUp(t, p)
	}
	for range 2 {
		w.must(t, "POST", "/v1/auth/password-reset", "", nil, map[string]any{"email": w.reset.email}, http.StatusAccepted, nil)
	}
	for i := range 3 {
		v := account(fmt.Sprint("victim", i))
		w.signUp(t, v)
		w.victims = append(w.victims, v)
	}
	w.admin = account("admin")
	if code, out, errOut := zebratest.Run(t, srv.Env, "users", "create-admin", "--email", w.admin.email, "--password", w.admin.password); code != 0 {
		t.Fatalf("zebra users create-admin exited %d:\n%s%s", code, out, errOut)
	}
	w.logIn(t, w.admin)
	w.must(t, "GET", "/v1/me", w.admin.token, nil, nil, http.StatusOK, func(b []byte) { w.admin.id = field(t, b, "id") })
	w.must(t, "PUT", "/v1/users/"+w.auditor.id+"/roles", w.admin.token, map[string]string{"If-Match": `"1"`},
		map[string]any{"roles": []string{"auditor"}}, http.StatusOK, nil)
	w.logInAll(t)
	w.users = []string{w.member.id, w.other.id, w.admin.id, w.auditor.id, w.login.id}
	for _, v := range w.victims {
		w.users = append(w.users, v.id)
	}
	w.createActivities(t, w.member, 105)
	w.createActivities(t, w.other, 5)
	w.createActivities(t, w.admin, 5)
	return w
}

func (w *world) signUp(t *testing.T, p *principal) {
	t.Helper()
	w.must(t, "POST", "/v1/auth/signup", "", nil, map[string]any{"email": p.email, "password": p.password}, http.StatusCreated,
		func(b []byte) { p.id = field(t, b, "id") })
}

func (w *world) logIn(t *testing.T, p *principal) {
	t.Helper()
	w.must(t, "POST", "/v1/auth/login", "", nil, map[string]any{"email": p.email, "password": p.password}, http.StatusOK,
		func(b []byte) { p.token = field(t, b, "accessToken") })
}

func (w *world) logInAll(t *testing.T) {
	t.Helper()
	for _, p := range []*principal{w.member, w.other, w.admin, w.auditor} {
		w.logIn(t, p)
	}
	w.loggedIn = time.Now()
}

// refreshLogins logs everyone in again well before access tokens expire
// (15 minutes by default), for long runs.
func (w *world) refreshLogins(t *testing.T) {
	t.Helper()
	if time.Since(w.loggedIn) > 10*time.Minute {
		w.logInAll(t)
	}
}

func (w *world) createActivities(t *testing.T, p *principal, n int) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan int)
	for range 4 {
		wg.Go(func() {
			for i := range work {
				w.must(t, "POST", "/v1/activities", p.token, nil, map[string]any{"title": fmt.Sprintf("seed %s %d", p.name, i)}, http.StatusCreated,
					func(b []byte) {
						mu.Lock()
						defer mu.Unlock()
						w.add("/v1/activities", p.name, field(t, b, "id"))
					})
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
}

// must sends a setup request and fails the test unless it gets want.
func (w *world) must(t *testing.T, method, path, token string, headers map[string]string, body any, want int, then func([]byte)) {
	t.Helper()
	status, _, b, err := w.do(method, path, token, headers, body)
	if err != nil {
		t.Fatalf("setup %s %s: %v", method, path, err)
	}
	if status != want {
		t.Fatalf("setup %s %s: want %d, got %d: %s", method, path, want, status, b)
	}
	if then != nil {
		then(b)
	}
}

func (w *world) do(method, path, token string, headers map[string]string, body any) (int, http.Header, []byte, error) {
	var rd io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, w.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// send sends a drawn request and reads the whole answer.
func (w *world) send(r *Request) (*Response, error) {
	req, err := r.HTTP(w.base)
	if err != nil {
		return nil, err
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

func field(t *testing.T, body []byte, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	v, _ := m[name].(string)
	if v == "" {
		t.Fatalf("no %s in %s", name, body)
	}
	return v
}

// learn remembers what a response teaches: created resources, cursors,
// deleted resources, idempotency keys used. A drawn request that turned
// read-only maintenance mode on is undone at once: every later mutation
// would answer 503 maintenance (its own tests are in platform/maintenance
// and app).
func (w *world) learn(r *Request, resp *Response) {
	if r.Op.ID == "set-maintenance" && resp.Status/100 == 2 && strings.Contains(string(resp.Body), `"enabled":true`) {
		_, _, _, _ = w.do(http.MethodPut, r.Op.Path, w.admin.token, nil, map[string]any{"enabled": false})
	}
	if body, ok := r.Body.(map[string]any); ok && resp.Status/100 == 2 &&
		(r.Op.ID == "verify-email" || r.Op.ID == "confirm-password-reset") {
		if token, ok := body["token"].(string); ok {
			w.mail.spend(token)
		}
	}
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		// Every key sent counts as used (the service may have recorded an
		// outcome for it); only well-formed ones are offered for reuse.
		scope := w.keyScope(r)
		if n := len(normalizeKey(key)); !w.used[scope+"\x00"+normalizeKey(key)] && n >= 1 && n <= 255 {
			keys := append(w.keys[scope], key)
			if len(keys) > 50 {
				keys = keys[1:]
			}
			w.keys[scope] = keys
		}
		w.used[scope+"\x00"+normalizeKey(key)] = true
	}
	if resp.Status < 200 || resp.Status >= 300 {
		return
	}
	var body struct {
		ID         string  `json:"id"`
		NextCursor *string `json:"nextCursor"`
	}
	_ = json.Unmarshal(resp.Body, &body)
	switch {
	case r.Op.Method == http.MethodPost && body.ID != "" && !strings.Contains(r.Op.Path, "{"):
		w.add(r.Op.Path, r.Principal, body.ID)
		if r.Body != nil {
			w.recipes[r.Op.Path] = r.Body
		}
	case r.Op.ID == "add-attachment" && body.ID != "":
		w.aimedAttachments++
		w.upload(r, resp)
	case r.Op.ID == "delete-attachment":
		w.attachments = slices.DeleteFunc(w.attachments, func(a attachmentRef) bool { return a.id == r.Path["attachmentId"] })
	case r.Op.Method == http.MethodDelete && strings.HasSuffix(r.Op.Path, "/{id}"):
		w.attachments = slices.DeleteFunc(w.attachments, func(a attachmentRef) bool { return a.activity == r.Path["id"] })
		collection := w.created[strings.TrimSuffix(r.Op.Path, "/{id}")]
		for owner, ids := range collection {
			collection[owner] = remove(ids, r.Path["id"])
		}
	case body.NextCursor != nil:
		seen := append(w.cursors[r.Op.ID], *body.NextCursor)
		if len(seen) > 20 {
			seen = seen[1:]
		}
		w.cursors[r.Op.ID] = seen
	}
}

// add remembers a resource created in collection by owner.
// attachmentRef is an attachment the suite added: its activity, and the
// owner (principal name) that added it.
type attachmentRef struct{ owner, activity, id string }

// replenishAttachments keeps two uploaded attachments per owner once the
// suite has added some, since deletions use them up.
func (w *world) replenishAttachments() {
	if len(w.attachments) == 0 && w.aimedAttachments == 0 {
		return
	}
	for _, p := range []*principal{w.member, w.other, w.admin} {
		activities := w.created["/v1/activities"][p.name]
		for i := 0; len(activities) > 0 && w.owned(p.name) < 2 && i < 2; i++ {
			activity := activities[i%len(activities)]
			path := "/v1/activities/" + activity + "/attachments"
			status, _, b, err := w.do(http.MethodPost, path, p.token, nil,
				map[string]any{"filename": "replenished.txt", "contentType": "text/plain", "size": 8})
			if err != nil || status != http.StatusCreated {
				break
			}
			w.upload(&Request{Principal: p.name, Path: map[string]string{"id": activity}}, &Response{Body: b})
		}
	}
}

func (w *world) owned(owner string) int {
	n := 0
	for _, a := range w.attachments {
		if a.owner == owner {
			n++
		}
	}
	return n
}

// upload PUTs the bytes of an added attachment to its presigned URL, as a
// client would, so that completing and downloading it can succeed.
func (w *world) upload(r *Request, resp *Response) {
	var added struct {
		ID     string `json:"id"`
		Size   int    `json:"size"`
		Upload struct {
			URL     string            `json:"url"`
			Headers map[string]string `json:"headers"`
		} `json:"upload"`
	}
	if json.Unmarshal(resp.Body, &added) != nil || added.Upload.URL == "" {
		return
	}
	req, err := http.NewRequest(http.MethodPut, added.Upload.URL, strings.NewReader(strings.Repeat("z", added.Size)))
	if err != nil {
		return
	}
	for k, v := range added.Upload.Headers {
		if k != "Content-Length" {
			req.Header.Set(k, v)
		}
	}
	if up, err := w.client.Do(req); err == nil {
		_ = up.Body.Close()
	}
	w.attachments = append(w.attachments, attachmentRef{owner: r.Principal, activity: r.Path["id"], id: added.ID})
}

func (w *world) add(collection, owner, id string) {
	if w.created[collection] == nil {
		w.created[collection] = map[string][]string{}
	}
	if !contains(w.created[collection][owner], id) {
		w.created[collection][owner] = append(w.created[collection][owner], id)
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func remove(list []string, v string) []string {
	out := list[:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// replenish gives an owner new resources when deletions ran its pool low.
func (w *world) replenish() {
	// A successful reset spends its token: ask for the next mail so that
	// later draws can succeed too (it arrives through the outbox shortly).
	if w.mail.newest("/reset-password") == "" {
		_, _, _, _ = w.do(http.MethodPost, "/v1/auth/password-reset", "", nil, map[string]any{"email": w.reset.email})
	}
	w.replenishAttachments()
	for collection := range w.aimed {
		for _, p := range []*principal{w.member, w.other, w.admin} {
			for i := 0; len(w.created[collection][p.name]) < 3 && i < 3; i++ {
				status, _, b, err := w.do(http.MethodPost, collection, p.token, nil, w.recipes[collection])
				var created struct{ ID string }
				if err != nil || status != http.StatusCreated || json.Unmarshal(b, &created) != nil {
					break
				}
				w.add(collection, p.name, created.ID)
			}
		}
	}
}
