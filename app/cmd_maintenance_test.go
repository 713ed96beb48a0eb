package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/identity"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/maintenance"
	"github.com/zebralabs/zebra/platform/redistest"
)

func TestMaintenanceCommandUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"frob"}, {"status", "now"}, {"on", "extra"}, {"off", "--retry-after", "1m"}, {"on", "--by", " "}, {"on", "--retry-after", "soon"}} {
		var usage *usageError
		if err := maintenanceCommand(args); !errors.As(err, &usage) {
			t.Errorf("args %q: got %v, want a usage error", args, err)
		}
	}
}

// maintenanceEvent is a change as the audit module stored it.
type maintenanceEvent struct {
	Actor, Action, EntityID, Reason string
}

func maintenanceEvents(t *testing.T, db *gorm.DB) []maintenanceEvent {
	t.Helper()
	var out []maintenanceEvent
	if err := db.Raw(`SELECT actor, action, entity_id, metadata->>'reason' AS reason FROM audit.events
		WHERE entity_type = ? ORDER BY id`, maintenance.EntityType).Scan(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMaintenanceCLI runs `zebra maintenance on`, `status` and `off` over
// a real database (the changes are stored by the audit module) and Redis.
func TestMaintenanceCLI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t, mustSources(t)...)
	cfg := config.Config{Redis: redistest.Config(t)}
	cfg.Redis.DialTimeout, cfg.Redis.ReadTimeout = time.Second, time.Second

	var out bytes.Buffer
	on := maintenance.Change{Enabled: true, RetryAfter: 10 * time.Minute, Reason: "database cut-over"}
	if err := runMaintenanceSet(ctx, cfg, db, "cli:ops", on, &out); err != nil {
		t.Fatal(err)
	}
	var doc maintenance.Document
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	if !doc.Enabled || doc.RetryAfterSeconds != 600 || doc.Reason != "database cut-over" || doc.ChangedBy == nil || *doc.ChangedBy != "cli:ops" || doc.ChangedAt == nil {
		t.Fatalf("on printed %s", out.String())
	}
	printed := out.String()
	out.Reset()
	if err := runMaintenanceStatus(ctx, cfg, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != printed {
		t.Fatalf("status printed %q, on printed %q", out.String(), printed)
	}

	out.Reset()
	err := runMaintenanceSet(ctx, cfg, db, "cli:ops", maintenance.Change{Enabled: true}, &out)
	if err == nil || err.Error() != "maintenance: --reason: is required to turn maintenance mode on: say what the window is for" {
		t.Fatalf("on without a reason: %v", err)
	}

	if err := runMaintenanceSet(ctx, cfg, db, "cli:ops", maintenance.Change{}, &out); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := runMaintenanceStatus(ctx, cfg, &out); err != nil || !strings.HasPrefix(out.String(), `{"enabled":false,"retryAfterSeconds":0,"reason":"","changedBy":"cli:ops"`) {
		t.Fatalf("status after off: %q, %v", out.String(), err)
	}

	key := cfg.Redis.Prefix + "maintenance"
	want := []maintenanceEvent{
		{"cli:ops", maintenance.ActionEnabled, key, "database cut-over"},
		{"cli:ops", maintenance.ActionDisabled, key, ""},
	}
	if got := maintenanceEvents(t, db); !slices.Equal(got, want) {
		t.Fatalf("audit events %+v, want %+v", got, want)
	}

	// A change whose record cannot be stored does not happen: the audit
	// module appends the event at commit, after the flag was written, and
	// the flag is put back when that fails.
	if err := db.Exec(`ALTER TABLE audit.events ADD CONSTRAINT test_no_maintenance CHECK (action <> 'maintenance.enabled') NOT VALID`).Error; err != nil {
		t.Fatal(err)
	}
	if err := runMaintenanceSet(ctx, cfg, db, "cli:ops", on, &out); err == nil {
		t.Fatal("on succeeded without its audit record")
	}
	out.Reset()
	if err := runMaintenanceStatus(ctx, cfg, &out); err != nil || !strings.HasPrefix(out.String(), `{"enabled":false`) {
		t.Fatalf("status after a failed record: %q, %v", out.String(), err)
	}
}

// TestMaintenanceAcrossServers starts two `zebra serve` apps on one
// database and one Redis keyspace, as two replicas: the mode an admin
// turns on through one is enforced by the other; reads, /readyz and the
// switch keep working; a member may not touch it; `zebra maintenance off`
// restores writes everywhere; both changes are audited.
func TestMaintenanceAcrossServers(t *testing.T) {
	first := "http://" + setServeEnv(t, contexts)
	startServe(t)
	second := "http://" + closedAddr(t)
	t.Setenv("HTTP_ADDR", strings.TrimPrefix(second, "http://"))
	startServe(t)

	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	db, err := database.Open(context.Background(), cfg.Database)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	var accounts identity.Accounts
	if err := assembleOver(cfg, db, &accounts); err != nil {
		t.Fatal(err)
	}
	const password = "a long enough password"
	for email, role := range map[string]auth.Role{"admin@maint.test": auth.RoleAdmin, "member@maint.test": auth.RoleMember} {
		if _, err := accounts.EnsureUser(context.Background(), email, password, "", []auth.Role{role}); err != nil {
			t.Fatal(err)
		}
	}
	// Each replica signs with a key of its own here (no JWT_SIGNING_KEYS in
	// tests): log in where the token is used.
	login := func(base, email string) string {
		res := call(t, http.MethodPost, base+"/v1/auth/login", "", `{"email":"`+email+`","password":"`+password+`"}`)
		if res.status != http.StatusOK {
			t.Fatalf("login %s: %d %s", email, res.status, res.raw)
		}
		return res.body["accessToken"].(string)
	}
	admin, member := login(first, "admin@maint.test"), login(second, "member@maint.test")

	if res := call(t, http.MethodPut, second+maintenance.Path, member, `{"enabled":true,"reason":"x"}`); res.status != http.StatusForbidden {
		t.Fatalf("member PUT: %d %s", res.status, res.raw)
	}
	on := call(t, http.MethodPut, first+maintenance.Path, admin, `{"enabled":true,"retryAfterSeconds":900,"reason":"cut-over"}`)
	if on.status != http.StatusOK || on.body["enabled"] != true {
		t.Fatalf("admin PUT on: %d %s", on.status, on.raw)
	}

	refused := call(t, http.MethodPost, second+"/v1/activities", member, `{"title":"during the window"}`)
	if refused.status != http.StatusServiceUnavailable || refused.body["code"] != "maintenance" ||
		refused.header.Get("Retry-After") != "900" || refused.body["requestId"] != refused.header.Get("X-Request-Id") {
		t.Fatalf("create on the other replica: %d %v %s", refused.status, refused.header, refused.raw)
	}
	if res := call(t, http.MethodPost, second+"/v1/auth/login", "", `{"email":"member@maint.test","password":"`+password+`"}`); res.status != http.StatusServiceUnavailable || res.body["code"] != "maintenance" {
		t.Fatalf("login in read-only mode: %d %s (it writes: refused, docs/reliability.md)", res.status, res.raw)
	}
	if res := call(t, http.MethodGet, second+"/v1/activities", member, ""); res.status != http.StatusOK {
		t.Fatalf("list in read-only mode: %d %s", res.status, res.raw)
	}
	for _, base := range []string{first, second} {
		res := call(t, http.MethodGet, base+"/readyz", "", "")
		if res.status != http.StatusOK || res.body["status"] != "ready" || res.body["maintenance"] != "on" {
			t.Fatalf("%s/readyz in read-only mode: %d %s", base, res.status, res.raw)
		}
	}

	if err := runMaintenanceSet(context.Background(), cfg, db, "cli:ops", maintenance.Change{Reason: "done"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if res := call(t, http.MethodPost, second+"/v1/activities", member, `{"title":"after the window"}`); res.status != http.StatusCreated {
		t.Fatalf("create after off: %d %s", res.status, res.raw)
	}
	if res := call(t, http.MethodGet, first+"/readyz", "", ""); res.body["maintenance"] != "off" {
		t.Fatalf("/readyz after off: %s", res.raw)
	}

	var adminID string
	if err := db.Raw(`SELECT id::text FROM identity.users WHERE email = 'admin@maint.test'`).Scan(&adminID).Error; err != nil {
		t.Fatal(err)
	}
	key := cfg.Redis.Prefix + "maintenance"
	want := []maintenanceEvent{{adminID, maintenance.ActionEnabled, key, "cut-over"}, {"cli:ops", maintenance.ActionDisabled, key, "done"}}
	if got := maintenanceEvents(t, db); !slices.Equal(got, want) {
		t.Fatalf("audit events %+v, want %+v", got, want)
	}
}

// startServe starts `zebra serve` as newApp builds it, with the current
// environment, and stops it in t.Cleanup.
func startServe(t *testing.T) { startPlugged(t, contexts) }

type called struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func call(t *testing.T, method, url, token, body string) called {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := called{status: res.StatusCode, header: res.Header, raw: raw}
	_ = json.Unmarshal(raw, &out.body)
	return out
}
