package load_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// caller is the benchmark's user: a member who signed up and logged in
// through zebra's own routes.
type caller struct {
	id    string
	token string
	iss   string
	aud   string
}

// signUp creates the benchmark user and logs in.
func signUp(t *testing.T, z *proc) caller {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	email := "bench-" + hex.EncodeToString(b) + "@example.com"
	password := "correct horse battery staple"
	call(t, http.MethodPost, z.url("/v1/auth/signup"), "", map[string]string{"email": email, "password": password}, http.StatusCreated, nil)
	var login struct {
		AccessToken string `json:"accessToken"`
	}
	call(t, http.MethodPost, z.url("/v1/auth/login"), "", map[string]string{"email": email, "password": password}, http.StatusOK, &login)
	var me struct {
		ID string `json:"id"`
	}
	call(t, http.MethodGet, z.url("/v1/me"), login.AccessToken, nil, http.StatusOK, &me)
	c := caller{id: me.ID, token: login.AccessToken}
	parts := strings.Split(login.AccessToken, ".")
	if len(parts) != 3 {
		t.Fatalf("access token is not a JWS: %q", login.AccessToken)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Iss string `json:"iss"`
		Aud any    `json:"aud"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	c.iss = claims.Iss
	switch aud := claims.Aud.(type) {
	case string:
		c.aud = aud
	case []any:
		c.aud = fmt.Sprint(aud[0])
	}
	return c
}

// publicKey fetches zebra's Ed25519 signing key from its JWKS.
func publicKey(t *testing.T, z *proc) []byte {
	t.Helper()
	var jwks struct {
		Keys []struct {
			Kty, Crv, X string
		} `json:"keys"`
	}
	call(t, http.MethodGet, z.url("/.well-known/jwks.json"), "", nil, http.StatusOK, &jwks)
	for _, k := range jwks.Keys {
		if k.Kty == "OKP" && k.Crv == "Ed25519" {
			x, err := base64.RawURLEncoding.DecodeString(k.X)
			if err != nil {
				t.Fatal(err)
			}
			return x
		}
	}
	t.Fatalf("no Ed25519 key in zebra's JWKS: %+v", jwks)
	return nil
}

// call sends one JSON request and decodes the answer into out, failing
// the test on another status.
func call(t *testing.T, method, url, token string, body any, want int, out any) http.Header {
	t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, url, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, url, raw, err)
		}
	}
	return resp.Header
}

// seedSQL inserts n activities owned by $1 with UUIDv7-shaped ids, one
// millisecond apart and all in the past, so new activities sort first.
const seedSQL = `
INSERT INTO activities.activities
  (id, owner_id, title, description, status, created_at, updated_at, created_by, updated_by, version)
SELECT (lpad(to_hex(ms), 12, '0') || '7' || lpad(to_hex(i % 4096), 3, '0') || '8' || lpad(to_hex(i), 15, '0'))::uuid,
       $1, 'Seeded activity ' || i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'Seeded by the load benchmark, row ' || i END,
       'planned', to_timestamp(ms / 1000.0), to_timestamp(ms / 1000.0), $1, $1, 1
FROM (SELECT i, (extract(epoch FROM now()) * 1000)::bigint - 3600000 - $2::bigint + i AS ms
      FROM generate_series(1, $2::bigint) AS i) AS s`

// baselineSQL gives the baseline its own copies of zebra's tables (same
// columns, defaults, constraints and indexes) and of the seeded rows.
var baselineSQL = []string{
	`CREATE SCHEMA baseline`,
	`CREATE TABLE baseline.activities (LIKE activities.activities INCLUDING ALL)`,
	// The audit tables are spelled out (as schema/audit.hcl has them), so
	// the benchmark also runs against builds from before the asynchronous
	// chain, for before/after figures.
	`CREATE TABLE baseline.audit_events (id uuid PRIMARY KEY, occurred_at timestamptz NOT NULL, actor text NOT NULL,
		action text NOT NULL, entity_type text NOT NULL, entity_id text NOT NULL, request_id text NOT NULL,
		before jsonb, after jsonb, metadata jsonb)`,
	`CREATE INDEX ON baseline.audit_events (entity_type, entity_id, id DESC)`,
	`CREATE INDEX ON baseline.audit_events (entity_type, id DESC)`,
	`CREATE INDEX ON baseline.audit_events (actor, id DESC)`,
	`CREATE INDEX ON baseline.audit_events (action, id DESC)`,
	`CREATE TABLE baseline.audit_unchained (event_id uuid PRIMARY KEY, enqueued_at timestamptz NOT NULL DEFAULT now())`,
	`CREATE TABLE baseline.outbox (LIKE platform.outbox INCLUDING ALL)`,
	`CREATE TABLE baseline.idempotency_keys (LIKE platform.idempotency_keys INCLUDING ALL)`,
	`INSERT INTO baseline.activities SELECT * FROM activities.activities`,
}

// seed fills zebra's and the baseline's tables with n activities of owner
// and returns their ids, oldest first.
func seed(t *testing.T, dbURL, owner string, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, seedSQL, owner, n); err != nil {
		t.Fatalf("seed activities: %v", err)
	}
	for _, stmt := range baselineSQL {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	for _, table := range []string{"activities.activities", "baseline.activities"} {
		if _, err := conn.Exec(ctx, "VACUUM ANALYZE "+table); err != nil {
			t.Fatalf("vacuum %s: %v", table, err)
		}
	}
	rows, err := conn.Query(ctx, "SELECT id::text FROM activities.activities WHERE owner_id = $1 ORDER BY id", owner)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != n {
		t.Fatalf("seeded %d activities, want %d", len(ids), n)
	}
	return ids
}
