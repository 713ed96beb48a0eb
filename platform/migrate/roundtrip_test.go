package migrate_test

import (
	"strings"
	"testing"

	"github.com/zebralabs/zebra/platform/migrate"
)

// richHCL uses the constructs the modules' schemas need, written the way a
// person writes them (aliases, literal defaults, expressions). Applying it
// and planning again must give nothing, or every apply would re-run DDL.
const richOwner = `
schema "platform" {
  comment = "platform tables"
}
enum "job_state" {
  schema = schema.platform
  values = ["queued", "running", "done"]
}
table "accounts" {
  schema  = schema.platform
  comment = "accounts"
  column "id" {
    type = uuid
  }
  column "email" {
    type = varchar(320)
  }
  column "display_name" {
    type = text
    null = true
  }
  column "roles" {
    type    = sql("text[]")
    default = sql("'{}'::text[]")
  }
  column "active" {
    type    = boolean
    default = true
  }
  column "attrs" {
    type    = jsonb
    default = sql("'{}'::jsonb")
  }
  column "state" {
    type    = enum.job_state
    default = "queued"
  }
  column "status" {
    type    = text
    default = "planned"
  }
  column "score" {
    type    = numeric(10, 2)
    default = 0
  }
  column "seq" {
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "created_at" {
    type    = timestamptz
    default = sql("now()")
  }
  column "expires_at" {
    type = timestamptz(3)
    null = true
  }
  column "version" {
    type    = int
    default = 1
  }
  column "payload" {
    type = bytea
    null = true
  }
  primary_key {
    columns = [column.id]
  }
  index "accounts_email_key" {
    unique  = true
    columns = [column.email]
  }
  index "accounts_lower_email_idx" {
    on {
      expr = "lower((email)::text)"
    }
  }
  index "accounts_created_idx" {
    on {
      column = column.created_at
      desc   = true
    }
    on {
      column = column.id
      desc   = true
    }
  }
  index "accounts_active_idx" {
    columns = [column.id]
    where   = "(active = true)"
  }
  check "accounts_status_check" {
    expr = "(status = ANY (ARRAY['planned'::text, 'done'::text]))"
  }
  check "accounts_version_positive" {
    expr = "version > 0"
  }
}
`

const richChild = `
schema "notes" {}
table "notes" {
  schema = schema.notes
  column "id" {
    type = uuid
  }
  column "account_id" {
    type = uuid
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "notes_account_fk" {
    columns     = [column.account_id]
    ref_columns = [table.accounts.column.id]
    on_delete   = CASCADE
  }
  index "notes_account_idx" {
    columns = [column.account_id]
  }
}
`

func TestApplyThenPlanIsEmptyForCommonConstructs(t *testing.T) {
	t.Parallel()
	db := emptyDB(t)
	sources := []migrate.Source{source("platform", richOwner), source("notes", richChild)}
	res := mustApply(t, db, sources...)
	if len(res.Statements) == 0 {
		t.Fatal("first apply ran nothing")
	}
	if again := mustPlan(t, db, sources...); len(again) != 0 {
		t.Fatalf("plan after apply is not empty:\n%s", strings.Join(again, "\n"))
	}
}
