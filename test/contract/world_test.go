package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

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
	// activities by owner name.
	activities map[string][]string
	cursors    map[string][]string
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
		mail:       sink,
		base:       srv.URL(""),
		client:     &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		activities: map[string][]string{},
		cursors:    map[string][]string{},
		keys:       map[string][]string{},
		used:       map[string]bool{},
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
						w.activities[p.name] = append(w.activities[p.name], field(t, b, "id"))
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

// drawPrincipal draws who a request is sent as (by name, so that rapid's
// log of draws shows no token).
func (w *world) drawPrincipal(t *rapid.T) *principal {
	all := []*principal{w.member, w.other, w.admin, w.auditor}
	return all[rapid.IntRange(0, len(all)-1).Draw(t, "principal (member, other, admin, auditor)")]
}

// aim points a drawn request at the world: a principal and its token,
// real ids (mostly), the current ETag (mostly), cursors the service
// issued, credentials and refresh tokens that work, and now and then an
// Idempotency-Key used before. The document's schemas still hold: aim
// only picks values they accept.
//
// A request that is going to be broken (breaking) is sent as the admin, who
// may do everything, at a resource that exists, so that its answer depends
// on the breakage alone and not on permissions or ids.
func (w *world) aim(t *rapid.T, r *Request, breaking bool) {
	op := r.Op
	switch {
	case op.Secured() && breaking:
		r.Token, r.Principal = w.admin.token, w.admin.name
	case op.Secured() || rapid.IntRange(0, 9).Draw(t, "token on a public route?") == 0:
		p := w.drawPrincipal(t)
		r.Token, r.Principal = p.token, p.name
	}
	switch {
	case strings.HasPrefix(op.Path, "/v1/activities/{id}"):
		w.aimActivity(t, r, breaking)
	case strings.HasPrefix(op.Path, "/v1/users/{id}"):
		w.aimUser(t, r, breaking)
	}
	if p := op.Param("query", "ownerId"); p != nil && r.Query.Has("ownerId") && rapid.IntRange(0, 9).Draw(t, "real owner?") < 7 {
		r.Query.Set("ownerId", rapid.SampledFrom(w.users).Draw(t, "ownerId"))
	}
	if r.Query.Has("cursor") || op.Param("query", "cursor") != nil {
		switch seen := w.cursors[op.ID]; {
		case len(seen) > 0 && rapid.IntRange(0, 9).Draw(t, "issued cursor?") < 7:
			r.Query.Set("cursor", rapid.SampledFrom(seen).Draw(t, "cursor"))
		case rapid.IntRange(0, 9).Draw(t, "keep a made-up cursor?") < 8:
			r.Query.Del("cursor")
		}
	}
	if r.HasBody {
		w.aimBody(t, r)
	}
}

// aimKey settles the request's Idempotency-Key once its principal and
// breakage are known. An intact request reuses a key of its scope one time
// in five (a replay, or idempotency_key_reused); any other key that
// happens to have been used already in that scope (short keys collide) is
// made unique, so that a broken request is judged on its breakage alone.
func (w *world) aimKey(t *rapid.T, r *Request, m *Mutation) {
	if r.Op.Param("header", "Idempotency-Key") == nil || (m != nil && strings.EqualFold(m.Target, "Idempotency-Key")) {
		return
	}
	scope := w.keyScope(r)
	if keys := w.keys[scope]; m == nil && len(keys) > 0 && rapid.IntRange(0, 4).Draw(t, "reuse a key?") == 0 {
		r.Header.Set("Idempotency-Key", keys[rapid.IntRange(max(0, len(keys)-5), len(keys)-1).Draw(t, "used key")])
		return
	}
	// `""` is a key of two characters for the schema and an empty one for
	// the service, which strips the quotes (the document says so): 400.
	key := r.Header.Get("Idempotency-Key")
	if key == "" || (normalizeKey(key) != "" && !w.used[scope+"\x00"+normalizeKey(key)]) {
		return
	}
	for {
		w.fresh++
		suffix := strconv.Itoa(w.fresh)
		candidate := suffix
		if len(key) > len(suffix) {
			candidate = key[:len(key)-len(suffix)] + suffix
		}
		if !w.used[scope+"\x00"+normalizeKey(candidate)] {
			r.Header.Set("Idempotency-Key", candidate)
			return
		}
	}
}

// keyScope is who the service scopes a key to: the user of a valid token,
// else the client IP, which every anonymous request of the suite shares.
func (w *world) keyScope(r *Request) string {
	for _, p := range []*principal{w.member, w.other, w.admin, w.auditor} {
		if r.Token != "" && r.Token == p.token {
			return p.name
		}
	}
	return "anonymous"
}

// normalizeKey strips one pair of surrounding double quotes, as the service
// does (PITFALLS.md).
func normalizeKey(key string) string {
	if len(key) >= 2 && key[0] == '"' && key[len(key)-1] == '"' {
		return key[1 : len(key)-1]
	}
	return key
}

func (w *world) aimActivity(t *rapid.T, r *Request, real bool) {
	if !real && rapid.IntRange(0, 9).Draw(t, "real activity?") >= 8 {
		return
	}
	owner := r.Principal
	if len(w.activities[owner]) == 0 || rapid.IntRange(0, 4).Draw(t, "someone else's?") == 0 {
		owner = rapid.SampledFrom([]string{"member", "other", "admin"}).Draw(t, "owner")
	}
	ids := w.activities[owner]
	if len(ids) == 0 {
		return
	}
	id := rapid.SampledFrom(ids).Draw(t, "activity")
	r.Path["id"] = id
	w.aimETag(t, r, "/v1/activities/"+id, real)
}

func (w *world) aimUser(t *rapid.T, r *Request, real bool) {
	if !real && rapid.IntRange(0, 9).Draw(t, "real user?") >= 8 {
		return
	}
	id := rapid.SampledFrom(w.users).Draw(t, "user")
	if r.Op.Method != http.MethodGet {
		id = w.victims[rapid.IntRange(0, len(w.victims)-1).Draw(t, "victim")].id
	}
	r.Path["id"] = id
	w.aimETag(t, r, "/v1/users/"+id, real)
}

// aimETag sends the resource's current ETag in If-Match (or
// If-None-Match), read as the admin, most of the time.
func (w *world) aimETag(t *rapid.T, r *Request, path string, always bool) {
	name := "If-Match"
	if r.Op.Param("header", name) == nil {
		name = "If-None-Match"
		if r.Op.Param("header", name) == nil {
			return
		}
	}
	if !always && rapid.IntRange(0, 9).Draw(t, "current ETag?") >= 8 {
		return
	}
	status, h, _, err := w.do(http.MethodGet, path, w.admin.token, nil, nil)
	if err != nil || status != http.StatusOK {
		return
	}
	r.Header.Set(name, h.Get("ETag"))
}

func (w *world) aimBody(t *rapid.T, r *Request) {
	body, ok := r.Body.(map[string]any)
	if !ok {
		return
	}
	switch r.Op.ID {
	case "log-in":
		if rapid.IntRange(0, 9).Draw(t, "real account?") < 7 {
			body["email"] = w.login.email
			if rapid.IntRange(0, 9).Draw(t, "right password?") < 8 {
				body["password"] = w.login.password
			}
		}
	case "refresh-tokens", "log-out":
		if rapid.IntRange(0, 9).Draw(t, "live refresh token?") < 7 {
			status, _, b, err := w.do(http.MethodPost, "/v1/auth/login", "", nil, map[string]any{"email": w.login.email, "password": w.login.password})
			if err == nil && status == http.StatusOK {
				var tokens struct{ RefreshToken string }
				if json.Unmarshal(b, &tokens) == nil {
					body["refreshToken"] = tokens.RefreshToken
				}
			}
		}
	case "sign-up":
		if rapid.IntRange(0, 9).Draw(t, "known email?") < 2 {
			body["email"] = w.login.email
		}
	case "request-password-reset":
		if rapid.IntRange(0, 9).Draw(t, "known email?") < 3 {
			body["email"] = w.reset.email
		}
	case "verify-email", "confirm-password-reset":
		// The one-time token of a mail the sink received.
		path := map[string]string{"verify-email": "/verify-email", "confirm-password-reset": "/reset-password"}[r.Op.ID]
		if rapid.IntRange(0, 9).Draw(t, "mailed token?") < 7 {
			if token := w.mail.take(path); token != "" {
				body["token"] = token
			}
		}
	case "change-user-roles":
		if _, ok := body["roles"].([]any); ok && rapid.IntRange(0, 9).Draw(t, "real roles?") < 7 {
			roles := rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"member", "auditor", "admin"}), 1, 3, rapid.ID[string]).Draw(t, "roles")
			list := make([]any, len(roles))
			for i, role := range roles {
				list[i] = role
			}
			body["roles"] = list
		}
	}
}

// learn remembers what a response teaches: new activities, cursors,
// deleted activities, idempotency keys used.
func (w *world) learn(r *Request, resp *Response) {
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
	case r.Op.ID == "create-activity" && body.ID != "":
		if !contains(w.activities[r.Principal], body.ID) {
			w.activities[r.Principal] = append(w.activities[r.Principal], body.ID)
		}
	case r.Op.ID == "delete-activity":
		for owner, ids := range w.activities {
			w.activities[owner] = remove(ids, r.Path["id"])
		}
	case body.NextCursor != nil:
		seen := append(w.cursors[r.Op.ID], *body.NextCursor)
		if len(seen) > 20 {
			seen = seen[1:]
		}
		w.cursors[r.Op.ID] = seen
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

// replenish gives an owner new activities when deletions ran its pool low.
func (w *world) replenish() {
	for _, p := range []*principal{w.member, w.other, w.admin} {
		for i := 0; len(w.activities[p.name]) < 3 && i < 3; i++ {
			status, _, b, err := w.do(http.MethodPost, "/v1/activities", p.token, nil, map[string]any{"title": "replenished"})
			var created struct{ ID string }
			if err != nil || status != http.StatusCreated || json.Unmarshal(b, &created) != nil {
				return
			}
			w.activities[p.name] = append(w.activities[p.name], created.ID)
		}
	}
}
