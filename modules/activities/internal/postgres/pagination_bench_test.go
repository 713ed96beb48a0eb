package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/modules/activities/internal/postgres"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// benchRows is the size of the table the pagination benchmark reads.
const benchRows = 1_000_000

// fillSQL inserts n rows with time-ordered UUIDv7-shaped ids (row i is
// newer than row i-1), the four statuses round-robin, and eleven owners:
// ten share 99.9% of the rows evenly (one in ten rows each), the eleventh
// ("rare") owns one row in a thousand, so both plans an owner's list can
// get are measured.
const fillSQL = `
INSERT INTO activities.activities
  (id, owner_id, title, description, status, created_at, updated_at, created_by, updated_by, version)
SELECT id, owner, 'Activity ' || i, NULL, (ARRAY['planned','in_progress','done','cancelled'])[1 + i % 4],
       now(), now(), owner, owner, 1
FROM (
  SELECT i,
    (substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(m, 1, 3) || '-8' || substr(m, 4, 3) || '-' || substr(m, 7, 12))::uuid AS id,
    CASE WHEN i % 999 = 0 THEN '00000000-0000-7000-8000-0000000000ff'::uuid
         ELSE ('00000000-0000-7000-8000-00000000000' || (i % 10))::uuid END AS owner
  FROM (SELECT i, lpad(to_hex(1700000000000 + i), 12, '0') AS t, md5(i::text) AS m
        FROM generate_series(1, ?) AS i) s
) rows`

// benchOwner owns a tenth of the rows, rareOwner a thousandth.
var (
	benchOwner = uuid.MustParse("00000000-0000-7000-8000-000000000003")
	rareOwner  = uuid.MustParse("00000000-0000-7000-8000-0000000000ff")
)

// BenchmarkListActivities compares the first page with a page deep in a
// 1,000,000-row table, for everyone's list (admin) and one owner's list,
// and shows what OFFSET would cost instead. Run it with
//
//	go test -run '^$' -bench ListActivities -benchtime 200x ./internal/postgres/
//
// Set PAGINATION_EXPLAIN=1 to print EXPLAIN (ANALYZE, BUFFERS) of each
// query (docs/pagination.md quotes them).
func BenchmarkListActivities(b *testing.B) {
	db := dbtest.New(b, postgres.SchemaSource())
	if err := db.Exec(fillSQL, benchRows).Error; err != nil {
		b.Fatal(err)
	}
	if err := db.Exec("VACUUM ANALYZE activities.activities").Error; err != nil {
		b.Fatal(err)
	}
	read := postgres.NewReadModel(db)
	// The position 90% of the way through each list, as a cursor would hold.
	deepAll := idAt(b, db, "", benchRows*9/10)
	deepOwner := idAt(b, db, "WHERE owner_id = '"+benchOwner.String()+"'", 90_000)
	deepRare := idAt(b, db, "WHERE owner_id = '"+rareOwner.String()+"'", 900)
	deepRareDone := idAt(b, db, "WHERE owner_id = '"+rareOwner.String()+"' AND status = 'done'", 200)

	cases := []struct {
		name   string
		filter query.Filter
	}{
		{"everyone/first page", query.Filter{Limit: 21}},
		{"everyone/page at 900000", query.Filter{Limit: 21, Before: &deepAll}},
		{"owner/first page", query.Filter{Limit: 21, OwnerID: &benchOwner}},
		{"owner/page at 90000", query.Filter{Limit: 21, OwnerID: &benchOwner, Before: &deepOwner}},
		{"owner+status/page at 45000", query.Filter{Limit: 21, OwnerID: &benchOwner, Status: "cancelled", Before: &deepOwner}},
		{"rare owner/first page", query.Filter{Limit: 21, OwnerID: &rareOwner}},
		{"rare owner/page at 900", query.Filter{Limit: 21, OwnerID: &rareOwner, Before: &deepRare}},
		{"rare owner+status/page at 200", query.Filter{Limit: 21, OwnerID: &rareOwner, Status: "done", Before: &deepRareDone}},
		{"status/page at 450000", query.Filter{Limit: 21, Status: "done", Before: &deepAll}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				rows, err := read.Activities(context.Background(), c.filter)
				if err != nil || len(rows) != 21 {
					b.Fatalf("%d rows, %v", len(rows), err)
				}
			}
		})
	}
	for _, offset := range []int{0, benchRows * 9 / 10} {
		b.Run(fmt.Sprintf("OFFSET %d (for comparison)", offset), func(b *testing.B) {
			for b.Loop() {
				var n int64
				err := db.Raw(`SELECT count(*) FROM (SELECT id FROM activities.activities WHERE deleted_at IS NULL
					ORDER BY id DESC LIMIT 21 OFFSET ?) p`, offset).Scan(&n).Error
				if err != nil || n != 21 {
					b.Fatalf("%d rows, %v", n, err)
				}
			}
		})
	}
	if os.Getenv("PAGINATION_EXPLAIN") != "" {
		explain(b, db, "everyone, first page", "", nil)
		explain(b, db, "everyone, page at 900000", "AND id < ?", []any{deepAll})
		explain(b, db, "owner, page at 90000", "AND owner_id = ? AND id < ?", []any{benchOwner, deepOwner})
		explain(b, db, "owner+status, page at 45000", "AND owner_id = ? AND status = 'cancelled' AND id < ?", []any{benchOwner, deepOwner})
		explain(b, db, "rare owner, first page", "AND owner_id = ?", []any{rareOwner})
		explain(b, db, "rare owner, page at 900", "AND owner_id = ? AND id < ?", []any{rareOwner, deepRare})
		explain(b, db, "rare owner+status, page at 200", "AND owner_id = ? AND status = 'done' AND id < ?", []any{rareOwner, deepRareDone})
		explain(b, db, "status, page at 450000", "AND status = 'done' AND id < ?", []any{deepAll})
	}
}

func idAt(b *testing.B, db *gorm.DB, where string, offset int) uuid.UUID {
	b.Helper()
	var id uuid.UUID
	err := db.Raw("SELECT id FROM activities.activities "+where+" ORDER BY id DESC OFFSET ? LIMIT 1", offset).Row().Scan(&id)
	if err != nil {
		b.Fatal(err)
	}
	return id
}

func explain(b *testing.B, db *gorm.DB, name, cond string, args []any) {
	b.Helper()
	var lines []string
	err := db.Raw(`EXPLAIN (ANALYZE, BUFFERS) SELECT id, title, description, status, owner_id, created_at, updated_at,
		created_by, updated_by, version FROM activities.activities WHERE deleted_at IS NULL `+cond+`
		ORDER BY id DESC LIMIT 21`, args...).Scan(&lines).Error
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("\n-- %s\n%s\n", name, strings.Join(lines, "\n"))
}
