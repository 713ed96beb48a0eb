package idempotency_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humagin"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/idempotency"
)

// server is a real huma-on-gin API with one idempotent operation that
// writes a widget row through the unit of work.
type server struct {
	*httptest.Server
	db      *gorm.DB
	store   *idempotency.Store
	api     huma.API
	mu      sync.Mutex
	calls   int
	block   chan struct{} // when set, the handler waits on it
	started chan struct{} // closed-over signal that the handler started
}

type widgetInput struct {
	Body struct {
		Name string `json:"name"`
	}
}

type widgetOutput struct {
	Location string `header:"Location"`
	ETag     string `header:"ETag"`
	Body     struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
}

func newServer(t *testing.T) *server {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	db := dbtest.New(t)
	if err := db.Exec(`CREATE TABLE public.widgets (id text PRIMARY KEY, name text NOT NULL)`).Error; err != nil {
		t.Fatal(err)
	}
	s := &server{db: db, store: idempotency.NewStore(db, 24*time.Hour, time.Minute)}
	engine := gin.New()
	engine.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.AbortWithStatus(http.StatusInternalServerError) }))
	engine.Use(func(c *gin.Context) { // a stand-in for the platform's authentication
		if u := c.GetHeader("X-Test-User"); u != "" {
			p := auth.Principal{UserID: uuid.MustParse(u), Roles: []auth.Role{auth.RoleMember}}
			c.Request = c.Request.WithContext(auth.WithPrincipal(c.Request.Context(), p))
		}
	})
	s.api = humagin.New(engine, huma.DefaultConfig("test", "1"))
	keys := idempotency.New(s.store, database.NewUnitOfWork(db))
	idempotency.Register(s.api, keys, huma.Operation{
		OperationID: "create-widget", Method: http.MethodPost, Path: "/widgets", DefaultStatus: http.StatusCreated,
	}, s.create)
	idempotency.Register(s.api, keys, huma.Operation{
		OperationID: "create-secure-widget", Method: http.MethodPost, Path: "/secure-widgets", DefaultStatus: http.StatusCreated,
		Security: []map[string][]string{{"bearerAuth": {}}},
	}, func(ctx context.Context, in *widgetInput) (*widgetOutput, error) {
		if _, err := auth.Authenticated(ctx); err != nil {
			return nil, err
		}
		return s.create(ctx, in)
	})
	s.Server = httptest.NewServer(engine)
	t.Cleanup(s.Close)
	return s
}

func (s *server) create(ctx context.Context, in *widgetInput) (*widgetOutput, error) {
	s.mu.Lock()
	s.calls++
	block, started := s.block, s.started
	s.mu.Unlock()
	if started != nil {
		close(started)
	}
	if block != nil {
		<-block
	}
	id := uuid.NewString()
	if err := database.Conn(ctx, s.db).Exec(`INSERT INTO public.widgets VALUES (?, ?)`, id, in.Body.Name).Error; err != nil {
		return nil, err
	}
	switch in.Body.Name { // the row above must roll back for these
	case "invalid":
		return nil, apperr.Validation(apperr.FieldError{Field: "name", Message: "is invalid"})
	case "crash":
		return nil, errors.New("boom")
	case "busy":
		return nil, huma.NewError(http.StatusTooManyRequests, "slow down")
	case "panic":
		panic("handler panicked")
	}
	out := &widgetOutput{Location: "/widgets/" + id, ETag: `"1"`}
	out.Body.ID, out.Body.Name = id, in.Body.Name
	return out, nil
}

func (s *server) widgets(t *testing.T) int {
	t.Helper()
	var n int64
	if err := s.db.Table("public.widgets").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return int(n)
}

type result struct {
	status  int
	header  http.Header
	body    string
	elapsed time.Duration
}

func (s *server) post(t *testing.T, path, key, body string, headers ...string) result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "-" {
		req.Header.Set(idempotency.Header, key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: string(b), elapsed: time.Since(start)}
}

var userA, userB = uuid.NewString(), uuid.NewString()

func TestReplay(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	first := s.post(t, "/widgets", "k1", `{"name":"a"}`, "X-Test-User", userA)
	second := s.post(t, "/widgets", `"k1"`, `{"name":"a"}`, "X-Test-User", userA)
	if first.status != 201 || first.header.Get(idempotency.ReplayedHeader) != "" {
		t.Fatalf("first: %d %v", first.status, first.header)
	}
	if second.status != 201 || second.body != first.body || second.header.Get(idempotency.ReplayedHeader) != "true" {
		t.Fatalf("second: %d %q %v", second.status, second.body, second.header)
	}
	for _, h := range []string{"Location", "ETag", "Content-Type"} {
		if second.header.Get(h) != first.header.Get(h) || first.header.Get(h) == "" {
			t.Errorf("%s: %q then %q", h, first.header.Get(h), second.header.Get(h))
		}
	}
	if s.widgets(t) != 1 || s.calls != 1 {
		t.Fatalf("widgets=%d calls=%d, want 1 each", s.widgets(t), s.calls)
	}
}

func TestKeyRules(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	tests := []struct {
		name       string
		key        string
		wantStatus int
	}{
		{"no header", "-", 201},
		{"empty", "", 400},
		{"only quotes", `""`, 400},
		{"256 characters", strings.Repeat("k", 256), 400},
		{"255 characters", strings.Repeat("k", 255), 201},
		{"255 characters quoted", `"` + strings.Repeat("q", 255) + `"`, 201},
	}
	for _, tt := range tests {
		r := s.post(t, "/widgets", tt.key, `{"name":"a"}`)
		if r.status != tt.wantStatus {
			t.Errorf("%s: status %d, want %d (%s)", tt.name, r.status, tt.wantStatus, r.body)
		}
	}
}

func TestReuseWithAnotherRequest(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	if r := s.post(t, "/widgets", "k", `{"name":"a"}`); r.status != 201 {
		t.Fatalf("first: %d", r.status)
	}
	tests := []struct{ name, path, body string }{
		{"other body", "/widgets", `{"name":"b"}`},
		{"same JSON, other bytes", "/widgets", `{"name": "a"}`},
		{"other query", "/widgets?x=1", `{"name":"a"}`},
	}
	for _, tt := range tests {
		if r := s.post(t, tt.path, "k", tt.body); r.status != 422 {
			t.Errorf("%s: status %d, want 422", tt.name, r.status)
		}
	}
	if s.widgets(t) != 1 {
		t.Fatalf("widgets = %d", s.widgets(t))
	}
}

func TestScopePerCaller(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	for _, user := range []string{userA, userB} {
		if r := s.post(t, "/widgets", "shared", `{"name":"a"}`, "X-Test-User", user); r.status != 201 || r.header.Get(idempotency.ReplayedHeader) != "" {
			t.Fatalf("user %s: %d replayed=%q", user, r.status, r.header.Get(idempotency.ReplayedHeader))
		}
	}
	// Anonymous callers are scoped by IP: a third, separate scope.
	if r := s.post(t, "/widgets", "shared", `{"name":"a"}`); r.status != 201 || r.header.Get(idempotency.ReplayedHeader) != "" {
		t.Fatalf("anonymous: %d", r.status)
	}
	if r := s.post(t, "/widgets", "shared", `{"name":"a"}`); r.header.Get(idempotency.ReplayedHeader) != "true" {
		t.Fatalf("anonymous retry was not replayed: %d", r.status)
	}
	if s.widgets(t) != 3 {
		t.Fatalf("widgets = %d, want 3", s.widgets(t))
	}
}

// TestAnonymousOnSecuredIsUnauthorized: without a credential a secured
// operation answers 401 whatever key is sent; the key of another anonymous
// caller behind the same IP decides nothing.
func TestAnonymousOnSecuredIsUnauthorized(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	for _, body := range []string{`{"name":"a"}`, `{"name":"b"}`} {
		if r := s.post(t, "/secure-widgets", "anon", body); r.status != 401 {
			t.Fatalf("anonymous %s: status %d, want 401: %s", body, r.status, r.body)
		}
	}
	if r := s.post(t, "/secure-widgets", "anon", `{"name":"a"}`, "X-Test-User", userA); r.status != 201 {
		t.Fatalf("authenticated: %d %s", r.status, r.body)
	}
	if r := s.post(t, "/secure-widgets", "anon", `{"name":"a"}`, "X-Test-User", userA); r.header.Get(idempotency.ReplayedHeader) != "true" {
		t.Fatalf("authenticated retry was not replayed: %d", r.status)
	}
}

func TestOutcomesThatAreStoredOrNot(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		body        string
		wantStatus  int
		wantStored  bool
		wantWidgets int
	}{
		{"4xx is stored, its side effect rolled back", `{"name":"invalid"}`, 422, true, 0},
		{"5xx is not stored", `{"name":"crash"}`, 500, false, 0},
		{"429 is not stored", `{"name":"busy"}`, 429, false, 0},
		{"a panic releases the key", `{"name":"panic"}`, 500, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			first := s.post(t, "/widgets", "k", tt.body)
			if first.status != tt.wantStatus {
				t.Fatalf("first: %d, want %d (%s)", first.status, tt.wantStatus, first.body)
			}
			second := s.post(t, "/widgets", "k", tt.body)
			replayed := second.header.Get(idempotency.ReplayedHeader) == "true"
			if replayed != tt.wantStored || second.status != tt.wantStatus || (tt.wantStored && second.body != first.body) {
				t.Fatalf("second: %d replayed=%v, want stored=%v", second.status, replayed, tt.wantStored)
			}
			wantCalls := 2
			if tt.wantStored {
				wantCalls = 1
			}
			if s.calls != wantCalls || s.widgets(t) != tt.wantWidgets {
				t.Fatalf("calls=%d widgets=%d", s.calls, s.widgets(t))
			}
		})
	}
}

func TestInFlight(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.block, s.started = make(chan struct{}), make(chan struct{})
	done := make(chan result)
	go func() { done <- s.post(t, "/widgets", "k", `{"name":"a"}`) }()
	<-s.started
	if r := s.post(t, "/widgets", "k", `{"name":"a"}`); r.status != 409 || !strings.Contains(r.body, "still being processed") {
		t.Fatalf("while running: %d %s", r.status, r.body)
	}
	close(s.block)
	if r := <-done; r.status != 201 {
		t.Fatalf("first: %d", r.status)
	}
	if r := s.post(t, "/widgets", "k", `{"name":"a"}`); r.status != 201 || r.header.Get(idempotency.ReplayedHeader) != "true" {
		t.Fatalf("after: %d", r.status)
	}
}

// TestConcurrentDuplicates: 30 identical requests at once make one widget.
func TestConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	const n = 30
	var wg sync.WaitGroup
	results := make([]result, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			results[i] = s.post(t, "/widgets", "same", `{"name":"a"}`, "X-Test-User", userA)
		})
	}
	close(start)
	wg.Wait()
	counts := map[int]int{}
	var body string
	for _, r := range results {
		counts[r.status]++
		if r.status == 201 {
			if body != "" && r.body != body {
				t.Fatalf("two different 201 bodies: %s / %s", body, r.body)
			}
			body = r.body
		}
	}
	if counts[201]+counts[409] != n || counts[201] < 1 {
		t.Fatalf("statuses %v", counts)
	}
	if s.widgets(t) != 1 || s.calls != 1 {
		t.Fatalf("widgets=%d calls=%d, want 1", s.widgets(t), s.calls)
	}
}

func TestExpiredAndAbandonedKeys(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	tests := []struct {
		name  string
		setup string
	}{
		{"a completed key past 24 h runs again", `UPDATE platform.idempotency_keys SET created_at = now() - interval '25 hours'`},
		{"a started key past its lease is taken over", `UPDATE platform.idempotency_keys SET state = 'started', locked_at = now() - interval '2 minutes'`},
	}
	for i, tt := range tests {
		key := fmt.Sprintf("k%d", i)
		if r := s.post(t, "/widgets", key, `{"name":"a"}`); r.status != 201 {
			t.Fatalf("%s: first %d", tt.name, r.status)
		}
		if err := s.db.Exec(tt.setup+" WHERE key = ?", key).Error; err != nil {
			t.Fatal(err)
		}
		r := s.post(t, "/widgets", key, `{"name":"a"}`)
		if r.status != 201 || r.header.Get(idempotency.ReplayedHeader) != "" {
			t.Errorf("%s: %d replayed=%q", tt.name, r.status, r.header.Get(idempotency.ReplayedHeader))
		}
	}
	if s.widgets(t) != 4 {
		t.Fatalf("widgets = %d, want 4", s.widgets(t))
	}
}

func TestCleanupDeletesOnlyExpired(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	for _, k := range []string{"old", "new"} {
		s.post(t, "/widgets", k, `{"name":"a"}`)
	}
	s.db.Exec(`UPDATE platform.idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old'`)
	job := idempotency.NewCleanupJob(s.store, idempotency.Config{CleanupInterval: time.Hour}, nil)
	n, err := job.Sweep(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1", n, err)
	}
	var keys []string
	s.db.Raw(`SELECT key FROM platform.idempotency_keys`).Scan(&keys)
	if len(keys) != 1 || keys[0] != "new" {
		t.Fatalf("left %v", keys)
	}
}

func TestOpenAPIDocumentsTheHeader(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	op := s.api.OpenAPI().Paths["/widgets"].Post
	found := false
	for _, p := range op.Parameters {
		found = found || (p.Name == idempotency.Header && p.In == "header" && *p.Schema.MaxLength == 255)
	}
	if !found {
		t.Fatal("Idempotency-Key parameter not documented")
	}
	if op.Responses["201"].Headers[idempotency.ReplayedHeader] == nil || op.Responses["201"].Content == nil {
		t.Fatalf("201 response: %+v", op.Responses["201"])
	}
}

// TestBodyOverTheOperationLimit is refused before anything is claimed.
func TestBodyOverTheOperationLimit(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `"}` // huma's default limit is 1 MiB
	if r := s.post(t, "/widgets", "big", big); r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", r.status)
	}
	var n int64
	s.db.Raw(`SELECT count(*) FROM platform.idempotency_keys`).Scan(&n)
	if n != 0 || s.calls != 0 {
		t.Fatalf("keys=%d calls=%d after a refused body", n, s.calls)
	}
}
