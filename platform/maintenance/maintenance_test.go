package maintenance_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/idempotency"
	"github.com/zebralabs/zebra/platform/maintenance"
	"github.com/zebralabs/zebra/platform/redisdb"
	"github.com/zebralabs/zebra/platform/redistest"
)

var (
	adminID  = uuid.MustParse("01928c4e-7a1b-7c3d-9e8f-0a1b2c3d4e51")
	memberID = uuid.MustParse("01928c4e-7a1b-7c3d-9e8f-0a1b2c3d4e52")
)

// tokens maps the bearer tokens of the test to their callers, as the
// module that issues tokens would verify them.
type tokens struct{}

func (tokens) Verify(_ context.Context, token string) (auth.Principal, error) {
	switch token {
	case "admin":
		return auth.Principal{UserID: adminID, Roles: []auth.Role{auth.RoleAdmin}}, nil
	case "member":
		return auth.Principal{UserID: memberID, Roles: []auth.Role{auth.RoleMember}}, nil
	}
	return auth.Principal{}, apperr.Unauthorized("unknown token")
}

// replica is one server process as the platform assembles it: its own
// Redis client on the shared keyspace, its own switch, service and engine,
// the maintenance routes and a resource of its own (/test/things).
type replica struct {
	srv   *httptest.Server
	sw    *maintenance.Switch
	svc   *maintenance.Service
	audit *observer.ObservedLogs
}

func newReplica(t *testing.T, rcfg config.Redis, db *gorm.DB) *replica {
	t.Helper()
	client, err := redisdb.Open(context.Background(), rcfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	core, logs := observer.New(zap.InfoLevel)
	log := zap.New(core)
	sw := maintenance.NewSwitch(client, redisdb.NewKeyspace(rcfg), log)
	uow := database.NewUnitOfWork(db)
	svc := maintenance.NewService(sw, uow, auditlog.NewLogRecorder(log), log, nil)
	writable := []httpserver.WritableRoute{{Method: http.MethodPut, Path: maintenance.Path}}
	engine, err := httpserver.NewEngine(httpserver.EngineOptions{
		HTTP:     testHTTP(t),
		Logger:   log,
		Verifier: auth.NewPolicy(maintenance.Grants).Verifier(tokens{}),
		ReadOnly: sw,
		Writable: writable,
	})
	require.NoError(t, err)
	httpserver.NewAPI(engine, httpserver.APIConfig{BodyLimit: 1 << 20, ReadOnly: true, Writable: writable},
		maintenance.NewRoutes(svc, idempotency.New(idempotency.NewStore(db, 24*time.Hour, time.Minute), uow)), httpserver.RoutesFunc(thingRoutes))
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)
	return &replica{srv: srv, sw: sw, svc: svc, audit: logs}
}

func testHTTP(t *testing.T) config.HTTP {
	t.Helper()
	c, err := config.LoadEnv(map[string]string{})
	require.NoError(t, err)
	return c.HTTP
}

type thing struct {
	Body struct {
		Name string `json:"name"`
	}
}

// thingRoutes are a context's ordinary routes: a create and a read.
func thingRoutes(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "create-thing", Method: http.MethodPost, Path: "/test/things", DefaultStatus: http.StatusCreated},
		func(_ context.Context, in *thing) (*thing, error) { return in, nil })
	huma.Register(api, huma.Operation{OperationID: "get-thing", Method: http.MethodGet, Path: "/test/things/{name}"},
		func(_ context.Context, in *struct {
			Name string `path:"name"`
		}) (*thing, error) {
			out := &thing{}
			out.Body.Name = in.Name
			return out, nil
		})
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func (r *replica) send(t *testing.T, method, path, token, body string, header ...string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, r.srv.URL+path, rd)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := r.srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var m map[string]any
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &m), "%s", raw)
	}
	return answer{status: res.StatusCode, header: res.Header, body: m}
}

func fixture(t *testing.T) (config.Redis, *gorm.DB) {
	t.Helper()
	return redistest.Config(t), dbtest.New(t)
}

// TestMaintenance_AcrossReplicas: the mode an admin turns on through one
// replica is enforced by another sharing the Redis keyspace, at once;
// reads keep working; the switch itself stays writable; off restores.
func TestMaintenance_AcrossReplicas(t *testing.T) {
	t.Parallel()
	rcfg, db := fixture(t)
	a, b := newReplica(t, rcfg, db), newReplica(t, rcfg, db)

	got := a.send(t, http.MethodGet, maintenance.Path, "admin", "")
	require.Equal(t, http.StatusOK, got.status, "%v", got.body)
	assert.Equal(t, map[string]any{"enabled": false, "retryAfterSeconds": float64(0), "reason": "", "changedBy": nil, "changedAt": nil}, got.body)
	require.Equal(t, http.StatusCreated, b.send(t, http.MethodPost, "/test/things", "", `{"name":"before"}`).status)

	on := a.send(t, http.MethodPut, maintenance.Path, "admin", `{"enabled":true,"retryAfterSeconds":600,"reason":"database cut-over"}`)
	require.Equal(t, http.StatusOK, on.status, "%v", on.body)
	assert.Equal(t, true, on.body["enabled"])
	assert.Equal(t, float64(600), on.body["retryAfterSeconds"])
	assert.Equal(t, "database cut-over", on.body["reason"])
	assert.Equal(t, adminID.String(), on.body["changedBy"])
	changedAt, err := time.Parse(time.RFC3339, on.body["changedAt"].(string))
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), changedAt, 5*time.Second)

	for _, r := range []*replica{b, a} {
		refused := r.send(t, http.MethodPost, "/test/things", "", `{"name":"during"}`)
		require.Equal(t, http.StatusServiceUnavailable, refused.status)
		assert.Equal(t, "600", refused.header.Get("Retry-After"))
		assert.Equal(t, "maintenance", refused.body["code"])
		assert.Equal(t, map[string]any{"retryAfter": float64(600)}, refused.body["details"])
		assert.Equal(t, refused.header.Get("X-Request-Id"), refused.body["requestId"])
		assert.NotEmpty(t, refused.body["message"])

		read := r.send(t, http.MethodGet, "/test/things/x", "", "")
		assert.Equal(t, http.StatusOK, read.status)
		state := r.send(t, http.MethodGet, maintenance.Path, "admin", "")
		assert.Equal(t, true, state.body["enabled"])
	}

	// The switch is reachable in read-only mode; a member's attempt is
	// refused for want of the permission, not for the mode.
	assert.Equal(t, http.StatusForbidden, b.send(t, http.MethodPut, maintenance.Path, "member", `{"enabled":false}`).status)
	off := b.send(t, http.MethodPut, maintenance.Path, "admin", `{"enabled":false,"reason":"cut-over done"}`)
	require.Equal(t, http.StatusOK, off.status, "%v", off.body)
	assert.Equal(t, false, off.body["enabled"])
	assert.Equal(t, float64(0), off.body["retryAfterSeconds"])
	for _, r := range []*replica{a, b} {
		assert.Equal(t, http.StatusCreated, r.send(t, http.MethodPost, "/test/things", "", `{"name":"after"}`).status)
	}

	// Each change is in the audit log of the replica that made it: who,
	// what, the reason, before and after.
	enabled := a.audit.FilterLoggerName("auditlog").FilterField(zap.String("action", maintenance.ActionEnabled)).All()
	require.Len(t, enabled, 1)
	fields := enabled[0].ContextMap()
	assert.Equal(t, adminID.String(), fields["actor"])
	assert.Equal(t, maintenance.EntityType, fields["entityType"])
	assert.Equal(t, rcfg.Prefix+"maintenance", fields["entityId"])
	assert.JSONEq(t, `{"reason":"database cut-over"}`, string(fields["metadata"].(json.RawMessage)))
	assert.Contains(t, string(fields["after"].(json.RawMessage)), `"enabled":true`)
	assert.Contains(t, string(fields["before"].(json.RawMessage)), `"enabled":false`)
	disabled := b.audit.FilterLoggerName("auditlog").FilterField(zap.String("action", maintenance.ActionDisabled)).All()
	require.Len(t, disabled, 1)
	assert.Equal(t, adminID.String(), disabled[0].ContextMap()["actor"])
	// And every replica logged when it saw the mode change.
	assert.NotEmpty(t, b.audit.FilterMessageSnippet("maintenance mode is on").All())
}

// TestMaintenance_IdempotentPut: the PUT takes an Idempotency-Key like
// every mutation; a retry with the same key is a replay, not a second
// change (one audit-log event).
func TestMaintenance_IdempotentPut(t *testing.T) {
	t.Parallel()
	rcfg, db := fixture(t)
	r := newReplica(t, rcfg, db)
	body := `{"enabled":true,"reason":"retried"}`
	first := r.send(t, http.MethodPut, maintenance.Path, "admin", body, "Idempotency-Key", "maint-1")
	require.Equal(t, http.StatusOK, first.status, "%v", first.body)
	again := r.send(t, http.MethodPut, maintenance.Path, "admin", body, "Idempotency-Key", "maint-1")
	require.Equal(t, http.StatusOK, again.status, "%v", again.body)
	assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	assert.Equal(t, first.body, again.body)
	assert.Len(t, r.audit.FilterLoggerName("auditlog").FilterField(zap.String("action", maintenance.ActionEnabled)).All(), 1)
	st, err := r.sw.State(context.Background())
	require.NoError(t, err)
	assert.True(t, st.Enabled)
}

func TestMaintenance_AdminOnly(t *testing.T) {
	t.Parallel()
	rcfg, db := fixture(t)
	r := newReplica(t, rcfg, db)
	for _, tt := range []struct {
		method, token, body string
		want                int
	}{
		{http.MethodGet, "member", "", http.StatusForbidden},
		{http.MethodPut, "member", `{"enabled":true,"reason":"x"}`, http.StatusForbidden},
		{http.MethodGet, "", "", http.StatusUnauthorized},
		{http.MethodPut, "", `{"enabled":true,"reason":"x"}`, http.StatusUnauthorized},
	} {
		got := r.send(t, tt.method, maintenance.Path, tt.token, tt.body)
		assert.Equal(t, tt.want, got.status, "%s as %q: %v", tt.method, tt.token, got.body)
		assert.Equal(t, apperr.CodeFor(tt.want), apperr.Code(got.body["code"].(string)))
	}
	st, err := r.sw.State(context.Background())
	require.NoError(t, err)
	assert.False(t, st.Enabled, "a refused request changed the mode")
}

func TestMaintenance_BadInputIs422(t *testing.T) {
	t.Parallel()
	rcfg, db := fixture(t)
	r := newReplica(t, rcfg, db)
	for body, field := range map[string]string{
		`{"enabled":true}`:                                             "reason",
		`{"enabled":true,"reason":"   "}`:                              "reason",
		`{"enabled":true,"reason":"a\u0007b"}`:                         "reason",
		`{"enabled":true,"reason":"x","retryAfterSeconds":0}`:          "retryAfterSeconds",
		`{"enabled":true,"reason":"x","retryAfterSeconds":86401}`:      "retryAfterSeconds",
		`{"reason":"x"}`:                                               "enabled",
		`{"enabled":true,"reason":"x","until":"tomorrow"}`:             "until",
		`{"enabled":true,"reason":"` + strings.Repeat("é", 501) + `"}`: "reason",
	} {
		got := r.send(t, http.MethodPut, maintenance.Path, "admin", body)
		require.Equal(t, http.StatusUnprocessableEntity, got.status, "%s: %v", body, got.body)
		assert.Contains(t, mustJSON(t, got.body["details"]), `"`+field, "%s", body)
	}
	st, err := r.sw.State(context.Background())
	require.NoError(t, err)
	assert.False(t, st.Enabled)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// TestService_DefaultsAndActor: the command line's path (no HTTP): an
// actor of its own, the default Retry-After, and the state any switch on
// the keyspace then reads.
func TestService_DefaultsAndActor(t *testing.T) {
	t.Parallel()
	rcfg, db := fixture(t)
	r := newReplica(t, rcfg, db)
	st, err := r.svc.Set(context.Background(), "cli:ops", maintenance.Change{Enabled: true, Reason: " window "})
	require.NoError(t, err)
	assert.Equal(t, maintenance.DefaultRetryAfter, st.RetryAfter)
	assert.Equal(t, "window", st.Reason)

	other := newReplica(t, rcfg, db)
	read, err := other.sw.State(context.Background())
	require.NoError(t, err)
	assert.Equal(t, st, read)
	assert.Equal(t, "cli:ops", read.ChangedBy)

	_, err = r.svc.Set(context.Background(), " ", maintenance.Change{Enabled: false})
	assert.Error(t, err, "a change without an actor")
}

// TestService_NothingChangesWithoutItsRecord: when the unit of work that
// records the change cannot run (the database is gone), the flag is left
// as it was.
func TestService_NothingChangesWithoutItsRecord(t *testing.T) {
	t.Parallel()
	rcfg := redistest.Config(t)
	db := dbtest.New(t)
	r := newReplica(t, rcfg, db)
	require.NoError(t, database.Close(db))
	_, err := r.svc.Set(context.Background(), "cli:ops", maintenance.Change{Enabled: true, Reason: "x"})
	require.Error(t, err)
	st, err := r.sw.State(context.Background())
	require.NoError(t, err)
	assert.False(t, st.Enabled)
	assert.Empty(t, r.audit.FilterLoggerName("auditlog").FilterField(zap.String("action", maintenance.ActionEnabled)).All())
}

// TestSwitch_RedisDown: a switch that cannot read Redis answers from the
// last state it read (an outage neither opens closed writes nor closes
// open ones), and one that never read it answers off.
func TestSwitch_RedisDown(t *testing.T) {
	t.Parallel()
	rcfg, db := fixture(t)
	r := newReplica(t, rcfg, db)
	_, err := r.svc.Set(context.Background(), "cli:ops", maintenance.Change{Enabled: true, Reason: "x", RetryAfter: 2 * time.Minute})
	require.NoError(t, err)

	client, err := redisdb.Open(context.Background(), rcfg)
	require.NoError(t, err)
	core, logs := observer.New(zap.InfoLevel)
	sw := maintenance.NewSwitch(client, redisdb.NewKeyspace(rcfg), zap.New(core))
	on, retry := sw.ReadOnly(context.Background())
	require.True(t, on)
	require.Equal(t, 2*time.Minute, retry)

	require.NoError(t, client.Close())
	on, retry = sw.ReadOnly(context.Background())
	assert.True(t, on, "the last state read")
	assert.Equal(t, 2*time.Minute, retry)
	assert.True(t, sw.Enabled(context.Background()))
	_, err = sw.State(context.Background())
	assert.True(t, errors.Is(err, maintenance.ErrUnreadable), "%v", err)
	assert.Len(t, logs.FilterMessageSnippet("unreadable").All(), 1, "the outage is logged once")

	dead := maintenance.NewSwitch(redis.NewClient(&redis.Options{Addr: closedAddr(t), MaxRetries: -1}), redisdb.NewKeyspace(rcfg), nil)
	start := time.Now()
	on, _ = dead.ReadOnly(context.Background())
	assert.False(t, on, "never read: off")
	assert.Less(t, time.Since(start), time.Second)
}

func closedAddr(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.Listener.Addr().String()
	srv.Close()
	return addr
}

// BenchmarkSwitch_Current is the cost a mutation pays for the flag: one
// GET on the real Redis.
func BenchmarkSwitch_Current(b *testing.B) {
	client, ks := redistest.New(b)
	sw := maintenance.NewSwitch(client, ks, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		sw.Current(ctx)
	}
}
