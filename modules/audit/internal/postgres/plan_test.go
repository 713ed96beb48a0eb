package postgres_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/audit/internal/postgres"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// planRows is how many events TestFilteredPagesUseIndexes generates;
// AUDIT_PLAN_ROWS=1000000 reproduces the plans quoted in docs/audit.md.
func planRows(t *testing.T) int {
	t.Helper()
	if v := os.Getenv("AUDIT_PLAN_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err)
		return n
	}
	return 200_000
}

// fillEvents generates n events with generate_series: time-ordered ids,
// 5 entity types, 50,000 entities, 1,000 actors, 10 actions.
func fillEvents(t *testing.T, db *gorm.DB, n int) {
	t.Helper()
	require.NoError(t, db.Exec(`INSERT INTO audit.events
		(id, occurred_at, actor, action, entity_type, entity_id, request_id, after, mac, mac_key_id)
		SELECT (lpad(to_hex(1700000000000 + g), 12, '0') || '7000' || '8000' || lpad(to_hex(g), 12, '0'))::uuid,
		       timestamptz '2026-01-01' + g * interval '1 second',
		       'user-' || (g % 1000), 'entity.action' || (g % 10),
		       'type' || (g % 5), 'entity-' || (g % 50000), 'req-' || g,
		       json_build_object('n', g), sha256(g::text::bytea), 'plan'
		FROM generate_series(1, ?) g`, n).Error)
	require.NoError(t, db.Exec("ANALYZE audit.events").Error)
}

// TestFilteredPagesUseIndexes shows that a page of every filter the list
// offers, first or deep, reads a page's worth of rows through an index
// ending in id DESC: no sequential scan, no sort, whatever the table size.
func TestFilteredPagesUseIndexes(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, postgres.Source())
	n := planRows(t)
	fillEvents(t, db, n)
	deep := fmt.Sprintf("(lpad(to_hex(1700000000000 + %d), 12, '0') || '7000' || '8000' || lpad(to_hex(%d), 12, '0'))::uuid", n/2, n/2)
	tests := []struct {
		name  string
		where string
		// sortOK: two filters, each with its own index; the planner may
		// combine the more selective index with a top-N sort of its matches.
		sortOK bool
	}{
		{"no filter", "true", false},
		{"no filter, deep page", "id < " + deep, false},
		{"entity", "entity_type = 'type3' AND entity_id = 'entity-4243'", false},
		{"entity type", "entity_type = 'type3'", false},
		{"entity type, deep page", "entity_type = 'type3' AND id < " + deep, false},
		{"actor", "actor = 'user-42'", false},
		{"actor, deep page", "actor = 'user-42' AND id < " + deep, false},
		{"action", "action = 'entity.action7'", false},
		{"actor and action", "actor = 'user-42' AND action = 'entity.action2'", true},
	}
	for _, tt := range tests {
		var lines []string
		sql := "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM audit.events WHERE " + tt.where + " ORDER BY id DESC LIMIT 21"
		require.NoError(t, db.Raw(sql).Scan(&lines).Error)
		plan := strings.Join(lines, "\n")
		t.Logf("%s (%d rows):\n%s\n%s", tt.name, n, sql, plan)
		assert.Contains(t, plan, "Index Scan", tt.name)
		assert.NotContains(t, plan, "Seq Scan", tt.name)
		if !tt.sortOK {
			assert.NotContains(t, plan, "Sort", tt.name)
		}
	}
}
