package dbtest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	gormschema "gorm.io/gorm/schema"
)

// AssertModelsMatchSchema proves that gorm models and the applied schema
// agree, so a rename or a forgotten column fails a test instead of a
// request. For each model (a pointer to a gorm row struct, its TableName
// schema-qualified like "billing.invoices"):
//   - the table exists;
//   - every field gorm reads or writes maps to an existing column whose
//     type can hold the Go type (string: text/varchar/enum/uuid/json;
//     integers: smallint/integer/bigint; time.Time: timestamptz/timestamp/
//     date; uuid.UUID: uuid; []byte: bytea/json/jsonb; ...);
//   - a nullable column maps to a Go type that can hold NULL (a pointer,
//     sql.Null*, a slice, a sql.Scanner), so NULL is never read as "";
//   - every NOT NULL column without a default (nor identity, nor
//     generated) is written by a field, so inserts cannot fail on it.
//
// Every mismatch is reported with t.Errorf.
func AssertModelsMatchSchema(t testing.TB, db *gorm.DB, models ...any) {
	t.Helper()
	for _, m := range models {
		s, err := gormschema.Parse(m, &sync.Map{}, db.NamingStrategy)
		if err != nil {
			t.Errorf("dbtest: parse model %T: %v", m, err)
			continue
		}
		cols, err := tableColumns(db, s.Table)
		if err != nil {
			t.Errorf("dbtest: model %T: %v", m, err)
			continue
		}
		for _, problem := range compareModel(s, cols) {
			t.Errorf("dbtest: model %T (table %s): %s", m, s.Table, problem)
		}
	}
}

// column is what the catalog says about one column.
type column struct {
	name     string
	format   string // format_type: "character varying(200)", "timestamp(3) with time zone"
	typ      string // pg_type.typname: varchar, timestamptz, _text
	kind     string // pg_type.typtype: b base, e enum, d domain, ...
	elem     string // element typname of an array type
	notNull  bool
	defaults bool // has a default, or is identity or generated
}

func tableColumns(db *gorm.DB, table string) (map[string]column, error) {
	schemaName, name, ok := strings.Cut(table, ".")
	if !ok {
		schemaName, name = "", table
	}
	const q = `
SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname, t.typtype::text,
       coalesce(e.typname, ''), a.attnotnull,
       a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
WHERE n.nspname = coalesce(nullif($1, ''), current_schema()) AND c.relname = $2
  AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := db.WithContext(ctx).Raw(q, schemaName, name).Rows()
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", table, err)
	}
	defer rows.Close()
	cols := make(map[string]column)
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.name, &c.format, &c.typ, &c.kind, &c.elem, &c.notNull, &c.defaults); err != nil {
			return nil, err
		}
		cols[c.name] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("table %s does not exist in the applied schema (is TableName schema-qualified?)", table)
	}
	return cols, nil
}

// compareModel lists every disagreement between the gorm schema and the
// table's columns.
func compareModel(s *gormschema.Schema, cols map[string]column) []string {
	var problems []string
	written := make(map[string]bool)
	for _, f := range s.Fields {
		if f.DBName == "" || !f.Readable && !f.Creatable && !f.Updatable {
			continue
		}
		c, ok := cols[f.DBName]
		if !ok {
			problems = append(problems, fmt.Sprintf("field %s maps to column %q, which does not exist", f.Name, f.DBName))
			continue
		}
		if f.Creatable {
			written[f.DBName] = true
		}
		goType := f.FieldType
		accept, nullable := compatible(goType)
		if f.Serializer != nil {
			accept, nullable = []string{"json", "jsonb", "text", "bytea"}, true
		}
		if accept != nil && !typeAccepted(c, accept) {
			problems = append(problems, fmt.Sprintf("field %s (%s) cannot hold column %q of type %s (want one of %s)",
				f.Name, goType, c.name, c.format, strings.Join(accept, ", ")))
		}
		if !c.notNull && !nullable {
			problems = append(problems, fmt.Sprintf("column %q is nullable but field %s (%s) cannot hold NULL: use a pointer or sql.Null[T]",
				c.name, f.Name, goType))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cols)) {
		c := cols[name]
		if c.notNull && !c.defaults && !written[name] {
			problems = append(problems, fmt.Sprintf("column %q is NOT NULL without a default, and no field writes it: every insert would fail", name))
		}
	}
	return problems
}

// typeAccepted reports whether column c is of one of the accepted type
// names; "enum" accepts any enum type, "[]x" an array of x.
func typeAccepted(c column, accept []string) bool {
	for _, a := range accept {
		switch {
		case a == c.typ, a == "enum" && c.kind == "e", a == "domain" && c.kind == "d":
			return true
		case strings.HasPrefix(a, "[]") && c.elem == strings.TrimPrefix(a, "[]"):
			return true
		}
	}
	return false
}

var (
	timeType    = reflect.TypeOf(time.Time{})
	rawJSONType = reflect.TypeOf(json.RawMessage(nil))
	scannerType = reflect.TypeOf((*sql.Scanner)(nil)).Elem()
	valuerType  = reflect.TypeOf((*driver.Valuer)(nil)).Elem()
)

var (
	stringTypes = []string{"text", "varchar", "bpchar", "citext", "name", "uuid", "json", "jsonb", "inet", "cidr", "enum", "domain"}
	intTypes    = []string{"int2", "int4", "int8", "domain"}
	floatTypes  = []string{"float4", "float8", "numeric", "domain"}
)

// compatible returns the Postgres type names a Go type can hold (nil when
// any will do, for custom sql.Scanner types) and whether it can hold NULL.
func compatible(t reflect.Type) (accept []string, nullable bool) {
	if t.Kind() == reflect.Pointer {
		accept, _ = compatible(t.Elem())
		return accept, true
	}
	if inner, ok := nullWrapper(t); ok {
		accept, _ = compatible(inner)
		return accept, true
	}
	switch {
	case t == timeType:
		return []string{"timestamptz", "timestamp", "date"}, false
	case t == rawJSONType:
		return []string{"json", "jsonb"}, true
	case t.Kind() == reflect.Array && t.Len() == 16 && t.Elem().Kind() == reflect.Uint8: // uuid.UUID
		return []string{"uuid"}, false
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return []string{"bytea", "json", "jsonb"}, true
	case reflect.PointerTo(t).Implements(scannerType) || t.Implements(valuerType):
		return nil, true // a custom type: it knows its column type and its NULL
	}
	switch t.Kind() {
	case reflect.String:
		return stringTypes, false
	case reflect.Bool:
		return []string{"bool"}, false
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return intTypes, false
	case reflect.Float32, reflect.Float64:
		return floatTypes, false
	case reflect.Slice:
		elem, _ := compatible(t.Elem())
		arrays := make([]string, 0, len(elem)+2)
		for _, e := range elem {
			arrays = append(arrays, "[]"+e)
		}
		return append(arrays, "json", "jsonb"), true
	case reflect.Map, reflect.Struct:
		return []string{"json", "jsonb"}, t.Kind() == reflect.Map
	}
	return nil, true
}

// nullWrapper recognises sql.NullString, sql.Null[T] and their kind: a
// struct of a value and a Valid bool, returning the value's type.
func nullWrapper(t reflect.Type) (reflect.Type, bool) {
	if t.Kind() != reflect.Struct || t.NumField() != 2 || t.Field(1).Name != "Valid" || t.Field(1).Type.Kind() != reflect.Bool {
		return nil, false
	}
	if !reflect.PointerTo(t).Implements(scannerType) {
		return nil, false
	}
	return t.Field(0).Type, true
}
