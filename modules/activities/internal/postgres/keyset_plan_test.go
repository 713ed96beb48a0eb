package postgres_test

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/activities/internal/postgres"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// planNode is the part of EXPLAIN (FORMAT JSON) these checks read.
type planNode struct {
	NodeType   string     `json:"Node Type"`
	SharedHit  int        `json:"Shared Hit Blocks"`
	SharedRead int        `json:"Shared Read Blocks"`
	ActualRows int        `json:"Actual Rows"`
	Plans      []planNode `json:"Plans"`
}

func (n planNode) walk(fn func(planNode)) {
	fn(n)
	for _, c := range n.Plans {
		c.walk(fn)
	}
}

// TestKeysetPagesDoNotSortAndDoNotGrowWithDepth is the everyday guard of
// docs/pagination.md (the benchmark there uses 1,000,000 rows): on 50,000
// rows, no list shape scans the table or sorts more than a handful of rows
// (the planner may sort the few rows of a rare owner's status rather than
// walk an index), and a page near the end reads about as many buffers as
// the first page.
func TestKeysetPagesDoNotSortAndDoNotGrowWithDepth(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, postgres.SchemaSource())
	if err := db.Exec(fillSQL, 50_000).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("ANALYZE activities.activities").Error; err != nil {
		t.Fatal(err)
	}
	var deep, deepOwner uuid.UUID
	if err := db.Raw(`SELECT id FROM activities.activities ORDER BY id LIMIT 1 OFFSET 100`).Row().Scan(&deep); err != nil {
		t.Fatal(err)
	}
	if err := db.Raw(`SELECT id FROM activities.activities WHERE owner_id = ? ORDER BY id LIMIT 1 OFFSET 30`, rareOwner).Row().Scan(&deepOwner); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		first, deep string
		firstArgs   []any
		deepArgs    []any
	}{
		{"everyone", "", "AND id < ?", nil, []any{deep}},
		{"everyone by status", "AND status = 'done'", "AND status = 'done' AND id < ?", nil, []any{deep}},
		{"one owner", "AND owner_id = ?", "AND owner_id = ? AND id < ?", []any{benchOwner}, []any{benchOwner, deep}},
		{"rare owner", "AND owner_id = ?", "AND owner_id = ? AND id < ?", []any{rareOwner}, []any{rareOwner, deepOwner}},
		{"rare owner by status", "AND owner_id = ? AND status = 'planned'", "AND owner_id = ? AND status = 'planned' AND id < ?", []any{rareOwner}, []any{rareOwner, deepOwner}},
	}
	for _, tt := range tests {
		first := plan(t, db, tt.first, tt.firstArgs)
		last := plan(t, db, tt.deep, tt.deepArgs)
		for _, p := range []planNode{first, last} {
			p.walk(func(n planNode) {
				if n.NodeType == "Seq Scan" {
					t.Errorf("%s: the plan scans the table", tt.name)
				}
				if n.NodeType == "Sort" && len(n.Plans) == 1 && n.Plans[0].ActualRows > 200 {
					t.Errorf("%s: the plan sorts %d rows", tt.name, n.Plans[0].ActualRows)
				}
			})
		}
		firstBuf, lastBuf := first.SharedHit+first.SharedRead, last.SharedHit+last.SharedRead
		if lastBuf > 2*firstBuf+20 {
			t.Errorf("%s: a deep page read %d buffers, the first page %d", tt.name, lastBuf, firstBuf)
		}
	}
}

// plan runs the read model's list query with cond under EXPLAIN (ANALYZE,
// BUFFERS) and returns its top node.
func plan(t *testing.T, db *gorm.DB, cond string, args []any) planNode {
	t.Helper()
	var out string
	err := db.Raw(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT id, title, description, status, owner_id,
		created_at, updated_at, created_by, updated_by, version FROM activities.activities
		WHERE deleted_at IS NULL `+cond+` ORDER BY id DESC LIMIT 21`, args...).Row().Scan(&out)
	if err != nil {
		t.Fatal(err)
	}
	var doc []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc) != 1 {
		t.Fatalf("EXPLAIN output %q: %v", out, err)
	}
	return doc[0].Plan
}
