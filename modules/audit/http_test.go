package audit_test

// The HTTP tests live beside the wiring, the one place allowed to import
// both httpapi and postgres: they run the operations through the
// platform's engine over the real store.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/audit/internal/app"
	"github.com/zebralabs/zebra/modules/audit/internal/app/command"
	"github.com/zebralabs/zebra/modules/audit/internal/app/query"
	"github.com/zebralabs/zebra/modules/audit/internal/httpapi"
	"github.com/zebralabs/zebra/modules/audit/internal/permission"
	"github.com/zebralabs/zebra/modules/audit/internal/postgres"
	"github.com/zebralabs/zebra/modules/audit/internal/repotest"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/pagination"
	"github.com/zebralabs/zebra/platform/requestid"
)

// verifier maps a token to a role, as identity's verifier would.
type verifier struct{}

func (verifier) Verify(_ context.Context, token string) (auth.Principal, error) {
	role := auth.Role(token)
	if !role.Valid() {
		return auth.Principal{}, apperr.Unauthorized("token signature is invalid")
	}
	return auth.NewPrincipal(uuid.Must(uuid.NewV7()), []auth.Role{role}, permission.Grants), nil
}

type server struct {
	url string
	db  *gorm.DB
	rec *command.RecordEventHandler
}

func newServer(t *testing.T) *server {
	t.Helper()
	db := dbtest.New(t, postgres.Source())
	store := postgres.NewStore(db)
	a := app.Application{
		Commands: app.Commands{RecordEvent: command.NewRecordEventHandler(
			postgres.Transactor{UnitOfWork: database.NewUnitOfWork(db)}, store, repotest.Keys, time.Now, command.LockAtCommit)},
		Queries: app.Queries{
			ListEvents:  query.NewListEventsHandler(store, pagination.NewCodec("test-secret")),
			VerifyChain: query.NewVerifyChainHandler(store, repotest.Keys),
		},
	}
	cfg, err := config.LoadEnv(map[string]string{})
	require.NoError(t, err)
	engine, err := httpserver.NewEngine(httpserver.EngineOptions{HTTP: cfg.HTTP, Verifier: verifier{}})
	require.NoError(t, err)
	httpserver.NewAPI(engine, httpserver.APIConfig{BodyLimit: cfg.HTTP.BodyLimit}, httpapi.NewRoutes(a))
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)
	return &server{url: srv.URL, db: db, rec: a.Commands.RecordEvent}
}

func (s *server) get(t *testing.T, path string, role auth.Role) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	require.NoError(t, err)
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+string(role))
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(b, &body), string(b))
	return res.StatusCode, body
}

func (s *server) record(t *testing.T, e auditlog.Event) {
	t.Helper()
	require.NoError(t, s.rec.Record(requestid.With(context.Background(), "req-"+e.EntityID), e))
}

func TestListEvents(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	for i := range 5 {
		s.record(t, auditlog.Event{
			Actor: "system", Action: []string{"activity.created", "activity.updated"}[i%2],
			EntityType: "activity", EntityID: fmt.Sprint(i % 2),
			After:    map[string]any{"title": fmt.Sprint("t", i), "passwordHash": "never"},
			Metadata: map[string]any{"token": "never"},
		})
	}

	status, body := s.get(t, "/v1/audit-events?limit=2", auth.RoleAuditor)
	require.Equal(t, http.StatusOK, status, body)
	items := body["items"].([]any)
	require.Len(t, items, 2)
	first := items[0].(map[string]any)
	assert.Equal(t, "activity.created", first["action"])
	assert.Equal(t, "0", first["entityId"])
	assert.Equal(t, "req-0", first["requestId"])
	assert.Equal(t, "system", first["actor"])
	assert.Equal(t, "activity", first["entityType"])
	assert.Nil(t, first["before"])
	assert.Equal(t, map[string]any{"title": "t4"}, first["after"])
	assert.Equal(t, map[string]any{}, first["metadata"])
	assert.Regexp(t, regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`), first["occurredAt"])
	_, err := uuid.Parse(first["id"].(string))
	assert.NoError(t, err)

	// Walk every page with a filter.
	var seen []string
	path := "/v1/audit-events?limit=1&entityId=1&action=activity.updated"
	for {
		status, body = s.get(t, path, auth.RoleAdmin)
		require.Equal(t, http.StatusOK, status, body)
		for _, it := range body["items"].([]any) {
			seen = append(seen, it.(map[string]any)["after"].(map[string]any)["title"].(string))
		}
		next, _ := body["nextCursor"].(string)
		if next == "" {
			assert.Nil(t, body["nextCursor"])
			break
		}
		path = "/v1/audit-events?limit=1&entityId=1&action=activity.updated&cursor=" + url.QueryEscape(next)
	}
	assert.Equal(t, []string{"t3", "t1"}, seen)

	status, body = s.get(t, "/v1/audit-events?limit=1&entityId=1", auth.RoleAdmin)
	require.Equal(t, http.StatusOK, status)
	cursor := url.QueryEscape(body["nextCursor"].(string))
	tests := []struct {
		name   string
		path   string
		role   auth.Role
		status int
		code   string
	}{
		{"anonymous", "/v1/audit-events", "", 401, "unauthorized"},
		{"member", "/v1/audit-events", auth.RoleMember, 403, "forbidden"},
		{"cursor of other filters", "/v1/audit-events?entityId=0&cursor=" + cursor, auth.RoleAdmin, 400, "invalid_cursor"},
		{"forged cursor", "/v1/audit-events?cursor=abc.def", auth.RoleAdmin, 400, "invalid_cursor"},
		{"limit too large", "/v1/audit-events?limit=101", auth.RoleAdmin, 422, "validation_failed"},
		{"limit zero", "/v1/audit-events?limit=0", auth.RoleAdmin, 422, "validation_failed"},
		{"limit not a number", "/v1/audit-events?limit=x", auth.RoleAdmin, 400, "bad_request"},
		{"verify as auditor", "/v1/audit-events/verify", auth.RoleAuditor, 403, "forbidden"},
		{"verify anonymous", "/v1/audit-events/verify", "", 401, "unauthorized"},
		{"verify as admin", "/v1/audit-events/verify", auth.RoleAdmin, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := s.get(t, tt.path, tt.role)
			assert.Equal(t, tt.status, status, body)
			if tt.code != "" {
				assert.Equal(t, tt.code, body["code"], body)
				assert.NotEmpty(t, body["requestId"])
			}
		})
	}
}

func TestNoRouteChangesEvents(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		req, err := http.NewRequest(method, s.url+"/v1/audit-events", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer admin")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode, method)
	}
}

func TestVerifyReportsTheFirstBrokenEvent(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	for i := range 3 {
		s.record(t, auditlog.Event{Actor: "system", Action: "user.logged_in", EntityType: "user", EntityID: fmt.Sprint(i)})
	}
	status, body := s.get(t, "/v1/audit-events/verify", auth.RoleAdmin)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, map[string]any{"ok": true, "checked": 3.0}, body)

	var victim string
	require.NoError(t, s.db.Raw("SELECT event_id::text FROM audit.chain WHERE seq = 2").Scan(&victim).Error)
	require.NoError(t, s.db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("ALTER TABLE audit.events DISABLE TRIGGER USER").Error; err != nil {
			return err
		}
		if err := tx.Exec("UPDATE audit.events SET entity_id = 'forged' WHERE id = ?", victim).Error; err != nil {
			return err
		}
		return tx.Exec("ALTER TABLE audit.events ENABLE TRIGGER USER").Error
	}))
	status, body = s.get(t, "/v1/audit-events/verify", auth.RoleAdmin)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, map[string]any{"ok": false, "checked": 2.0, "firstBrokenId": victim}, body)
}
