package dbtest_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/migrate"
)

var shop = migrate.Source{Owner: "shop", HCL: []byte(`
schema "shop" {}
enum "order_state" {
  schema = schema.shop
  values = ["open", "paid"]
}
table "orders" {
  schema = schema.shop
  column "id" {
    type = uuid
  }
  column "customer" {
    type = varchar(100)
  }
  column "note" {
    type = text
    null = true
  }
  column "state" {
    type    = enum.order_state
    default = "open"
  }
  column "total" {
    type = numeric(12, 2)
  }
  column "items" {
    type = int
  }
  column "tags" {
    type    = sql("text[]")
    default = sql("'{}'::text[]")
  }
  column "attrs" {
    type = jsonb
    null = true
  }
  column "paid_at" {
    type = timestamptz(3)
    null = true
  }
  column "created_at" {
    type = timestamptz(3)
  }
  column "seq" {
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "version" {
    type    = integer
    default = 1
  }
  primary_key {
    columns = [column.id]
  }
}
`)}

type orderState string

// orderRow agrees with shop.orders.
type orderRow struct {
	ID        uuid.UUID `gorm:"primaryKey"`
	Customer  string
	Note      sql.Null[string]
	State     orderState
	Total     float64
	Items     int
	Attrs     json.RawMessage
	PaidAt    *time.Time
	CreatedAt time.Time
	Seq       int64 `gorm:"->"`
	Version   int
	Ignored   string `gorm:"-"`
}

func (orderRow) TableName() string { return "shop.orders" }

// badOrderRow disagrees in every way the helper checks.
type badOrderRow struct {
	ID       string    `gorm:"primaryKey"` // string can hold a uuid: fine
	Customer int       // wrong type
	Note     string    // nullable column, non-nullable field
	Discount float64   // no such column
	PaidAt   time.Time // nullable column again
	// created_at (NOT NULL, no default) is not written by any field
}

func (badOrderRow) TableName() string { return "shop.orders" }

type missingTableRow struct{ ID uuid.UUID }

func (missingTableRow) TableName() string { return "shop.nope" }

// recorder captures what the helper reports instead of failing the test.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestAssertModelsMatchSchema(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, shop)

	dbtest.AssertModelsMatchSchema(t, db, &orderRow{})
	// What the helper accepts really round-trips through gorm.
	in := orderRow{ID: uuid.New(), Customer: "ada", State: "paid", Total: 12.5, Items: 2, Version: 1,
		CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if err := db.Create(&in).Error; err != nil {
		t.Fatalf("insert a row the helper accepts: %v", err)
	}
	var out orderRow
	if err := db.First(&out, "id = ?", in.ID).Error; err != nil || out.Note.Valid || out.PaidAt != nil || out.Seq == 0 || out.Version != 1 {
		t.Fatalf("read it back: %+v, %v", out, err)
	}

	rec := &recorder{TB: t}
	dbtest.AssertModelsMatchSchema(rec, db, &badOrderRow{}, &missingTableRow{})
	got := strings.Join(rec.errors, "\n")
	for _, want := range []string{
		`field Customer (int) cannot hold column "customer" of type character varying(100)`,
		`column "note" is nullable but field Note (string) cannot hold NULL`,
		`column "paid_at" is nullable but field PaidAt (time.Time) cannot hold NULL`,
		`field Discount maps to column "discount", which does not exist`,
		`column "created_at" is NOT NULL without a default, and no field writes it`,
		`column "total" is NOT NULL without a default, and no field writes it`,
		`table shop.nope does not exist`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("helper did not report %q; it reported:\n%s", want, got)
		}
	}
	if strings.Contains(got, `"id"`) || strings.Contains(got, `"seq"`) || strings.Contains(got, `"version"`) {
		t.Errorf("helper reported a column that agrees (id as string, identity seq, defaulted version):\n%s", got)
	}
	if len(rec.errors) != 8 {
		t.Errorf("reported %d problems, want 8:\n%s", len(rec.errors), got)
	}
}
