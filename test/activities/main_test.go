// Package activities_test drives the real zebra binary over HTTP against
// the Activities section of docs/api.md and its Pagination, Idempotency and
// Optimistic concurrency rules. One server (the shared zebratest harness:
// binary built once, fresh database and Redis prefix) serves every
// scenario of TestActivities; tokens come from identity's own routes
// (sign-up, login) and from `zebra users create-admin`. Attachments are
// stored in a real S3 server (versitygw, platform/blob/blobtest).
package activities_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/zebralabs/zebra/platform/blob/blobtest"
	"github.com/zebralabs/zebra/test/internal/zebratest"
)

func TestMain(m *testing.M) { zebratest.Main(m) }

// srv is the zebra process the scenarios talk to.
var srv *server

type server struct {
	*zebratest.Server
	base string
	db   *sql.DB
}

// run runs `zebra args...` against the server's database.
func (s *server) run(t *testing.T, args ...string) (int, string) {
	t.Helper()
	code, out, errOut := zebratest.Run(t, s.Env, args...)
	return code, out + errOut
}

// TestActivities starts the server and runs every scenario in parallel
// against it; the server stops once they all finished.
func TestActivities(t *testing.T) {
	objectStore = blobtest.Start(t)
	zs := zebratest.Start(t,
		// Rate limiting has its own suite; here it would only throttle the
		// concurrency scenarios.
		zebratest.WithEnv("RATE_LIMIT_ENABLED=false", "LOG_LEVEL=warn"),
		// Attachments go to a real S3 server (versitygw) on loopback.
		zebratest.WithEnv(objectStore.Env()...))
	db, err := sql.Open("pgx", zs.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	srv = &server{Server: zs, base: zs.URL(""), db: db}

	scenarios := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"Create", testCreate},
		{"CreateRejectsBadInput", testCreateRejectsBadInput},
		{"Get", testGet},
		{"Patch", testPatch},
		{"Delete", testDelete},
		{"MembersCannotTouchOthersActivities", testMembersCannotTouchOthersActivities},
		{"AdminManagesEveryonesActivities", testAdminManagesEveryonesActivities},
		{"AuditorsCannotTouchActivities", testAuditorsCannotTouchActivities},
		{"ListRules", testListRules},
		{"AdminLists", testAdminLists},
		{"PaginationWalkWhileInserting", testPaginationWalkWhileInserting},
		{"ConcurrentPatchesOneWinner", testConcurrentPatchesOneWinner},
		{"EveryCommandWritesAuditAndOutboxEvents", testEveryCommandWritesAuditAndOutboxEvents},
		{"IdempotentCreate", testIdempotentCreate},
		{"IdempotencyRules", testIdempotencyRules},
		{"ReadCache", testReadCache},
		{"Attachments", testAttachments},
		{"AttachmentRules", testAttachmentRules},
		{"ReadinessReportsObjectStorage", testReadinessReportsObjectStorage},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.run(t)
		})
	}
}

// count runs a COUNT query on the server's database.
func count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := srv.db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// random is a short random hex string for unique emails, titles and keys.
func random() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
