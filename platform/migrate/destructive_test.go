package migrate

import (
	"testing"

	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
)

func TestWidens(t *testing.T) {
	t.Parallel()
	varchar := func(n int) schema.Type { return &schema.StringType{T: postgres.TypeCharVar, Size: n} }
	text := &schema.StringType{T: postgres.TypeText}
	integer := func(t string) schema.Type { return &schema.IntegerType{T: t} }
	tests := []struct {
		name     string
		from, to schema.Type
		want     bool
	}{
		{"varchar to longer varchar", varchar(20), varchar(200), true},
		{"varchar to text", varchar(20), text, true},
		{"varchar to unbounded varchar", varchar(20), varchar(0), true},
		{"varchar to shorter varchar", varchar(200), varchar(20), false},
		{"text to varchar", text, varchar(200), false},
		{"smallint to integer", integer(postgres.TypeSmallInt), integer(postgres.TypeInteger), true},
		{"integer to bigint", integer(postgres.TypeInteger), integer(postgres.TypeBigInt), true},
		{"bigint to integer", integer(postgres.TypeBigInt), integer(postgres.TypeInteger), false},
		{"integer to text", integer(postgres.TypeInteger), text, false},
		{"timestamp to timestamptz", &schema.TimeType{T: postgres.TypeTimestamp}, &schema.TimeType{T: postgres.TypeTimestampTZ}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := widens(tt.from, tt.to); got != tt.want {
				t.Fatalf("widens(%s, %s) = %v, want %v", typeName(tt.from), typeName(tt.to), got, tt.want)
			}
		})
	}
}

func TestDestructiveDescribesDataLoss(t *testing.T) {
	t.Parallel()
	s := schema.New("notes")
	tbl := schema.NewTable("notes").SetSchema(s)
	col := schema.NewStringColumn("title", postgres.TypeText)
	tests := []struct {
		name   string
		change schema.Change
		want   string
	}{
		{"drop schema", &schema.DropSchema{S: s}, `drop schema "notes" and everything in it`},
		{"drop table", &schema.DropTable{T: tbl}, `drop table "notes"."notes"`},
		{"drop column", &schema.ModifyTable{T: tbl, Changes: []schema.Change{&schema.DropColumn{C: col}}}, `drop column "notes"."notes"."title"`},
		{"add column", &schema.ModifyTable{T: tbl, Changes: []schema.Change{&schema.AddColumn{C: col}}}, ""},
		{"drop index", &schema.ModifyTable{T: tbl, Changes: []schema.Change{&schema.DropIndex{I: schema.NewIndex("x")}}}, ""},
		{"add table", &schema.AddTable{T: tbl}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := destructive(tt.change); got != tt.want {
				t.Fatalf("destructive = %q, want %q", got, tt.want)
			}
		})
	}
}
